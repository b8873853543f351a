"""Run one job locally: S3 on moto, both functions in the SDK's DurableFunctionTestRunner, in process."""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import boto3
from aws_durable_execution_sdk_python_testing.execution import ExecutionStatus
from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestResult, DurableFunctionTestRunner
from aws_durable_execution_sdk_python_testing.stores.memory import InMemoryExecutionStore

from local_aws import local_session
from local_aws.cores import encode_lanes
from media import PipelineSettings, count_frames, layout

from .. import config, encoder, orchestrator, storage
from ..exceptions import JobIdConflictError
from . import facts, instrument
from .execution_names import ExecutionNames, ExecutionNameTaken
from .faults import ChunkFaults
from .setup import ensure_bucket, setup_client

#: Durable execution timeout of a local job (the template's ExecutionTimeout).
EXECUTION_TIMEOUT_S = 3600
_POLL_S = 0.1

Progress = Callable[[str], None]


def run_local(
    video: Path,
    *,
    settings: PipelineSettings = PipelineSettings(),
    output: Path | None = None,
    job_id: str | None = None,
    session: boto3.session.Session | None = None,
    endpoint_url: str | None = None,
    progress: Progress | None = None,
    faults: ChunkFaults | None = None,
) -> dict[str, Any]:
    """Upload ``video``, run the whole job and wait for it; return the CLI's JSON fields.

    Without ``session`` it runs inside ``atomic_mock_aws()``, unless ``endpoint_url`` (or
    ``AWS_ENDPOINT_URL``) points at a server such as moto's. ``progress`` receives a line each time the
    job's state changes; ``faults`` makes given chunks fail. A ``job_id`` used before (on the same S3) for
    another input fails with ``job_id_conflict`` and runs nothing; for the same input it returns that job's
    result (see ``run_job``).
    """
    video = Path(video)
    if not video.is_file():
        raise FileNotFoundError(f"no such video file: {video}")
    job_id = layout.check_job_id(job_id or layout.new_job_id())
    with contextlib.ExitStack() as stack:
        session = local_session(stack, session, endpoint_url)
        bucket = config.DurableRefConfig.from_environment().bucket
        # Set-up, not the job's.
        ensure_bucket(setup_client(session, endpoint_url), bucket, session.region_name)
        storage.use_session(session, endpoint_url)
        try:
            input_key = layout.input_key(job_id, _key_safe(video.name))
            if not _upload_input(video, bucket, input_key):
                return _refused_report(job_id)
        finally:
            storage.use_session(None)
        return run_job(job_id, input_key, settings=settings, output=output, session=session,
                       endpoint_url=endpoint_url, progress=progress, faults=faults)


def run_job(
    job_id: str,
    input_key: str,
    *,
    settings: PipelineSettings = PipelineSettings(),
    output: Path | None = None,
    session: boto3.session.Session,
    endpoint_url: str | None = None,
    progress: Progress | None = None,
    faults: ChunkFaults | None = None,
) -> dict[str, Any]:
    """Run the job on an input already in the bucket, as the deployed orchestrator is started: with
    ``DurableExecutionName`` = the job id. As the service would, an earlier execution of that name with
    the same payload is not run again (its report is returned, the output fetched again), and one with
    another payload refuses the job (``job_id_conflict``); see ``execution_names``."""
    job_config = replace(config.DurableRefConfig.from_environment(), settings=settings)
    payload = json.dumps({"job_id": job_id, "input_key": input_key})
    names = ExecutionNames(setup_client(session, endpoint_url), session.region_name, "orchestrator")
    try:
        earlier = names.find(job_id, payload)
    except ExecutionNameTaken:
        return _refused_report(job_id)
    config.use(job_config)
    storage.use_session(session, endpoint_url)
    try:
        if earlier is not None:
            return _earlier_report(earlier, output, functools.partial(_download, job_config.bucket))
        store = InMemoryExecutionStore()
        with contextlib.ExitStack() as stack:
            stack.enter_context((faults or ChunkFaults()).installed())
            lanes = stack.enter_context(encode_lanes())
            recorder = stack.enter_context(instrument.recording(lanes.take_wait_s))
            runner = stack.enter_context(DurableFunctionTestRunner(orchestrator.handler, store=store, skip_time=True))
            runner.register_durable_function(job_config.encoder_function, encoder.handler)
            started = time.perf_counter()
            arn = runner.run_async(input=payload, execution_timeout=EXECUTION_TIMEOUT_S, execution_name=job_id)
            _wait(runner, store, arn, progress)
            duration_s = time.perf_counter() - started
        report = job_report(store, arn, recorder, job_id, duration_s, output,
                            functools.partial(_download, job_config.bucket))
        report = {**report, "peak_parallel_encodes": lanes.peak}
        names.record(job_id, payload, report)
        return report
    finally:
        config.use(None)
        storage.use_session(None)


def _upload_input(video: Path, bucket: str, key: str) -> bool:
    """Upload ``video`` to ``key`` unless that key holds another file already (a job id reused for another
    input of the same name: overwriting it would change the earlier job's input); False then. The same
    file there already is no conflict: the same job submitted again."""
    if storage.publish_once(video, bucket, key, {}):
        return True
    existing = storage.s3().head_object(Bucket=bucket, Key=key)["ETag"].strip('"')
    # A single PUT's ETag is the MD5 of the object's bytes (SSE-S3 included).
    with open(video, "rb") as data:
        return existing == hashlib.file_digest(data, "md5").hexdigest()


def _refused_report(job_id: str) -> dict[str, Any]:
    """The CLI's JSON fields of a job the service refused to start: its id names another input's job."""
    return {
        "status": "FAILED",
        "error": str(JobIdConflictError(f"job id {job_id} is already used for another input")),
        "error_kind": JobIdConflictError.kind,
        "job_id": job_id,
        "chunks": None, "input_frames": None, "output_frames": None, "duration_s": 0.0,
        "output": None, "output_key": None,
        "stage_latency_s": {}, "chunk_latency_s": [], "chunk_attempts": [], "step_executions": {},
        "operations": 0, "operations_by_type": {}, "orchestrator_operations": 0, "invocations": 0, "replays": 0,
        "encoder_executions": 0, "encoder_invocations": 0, "checkpoint_calls": 0, "checkpoint_bytes": 0,
        "checkpoint_payload_bytes": 0, "largest_payload_bytes": 0, "peak_parallel_encodes": 0,
    }


def _earlier_report(report: dict[str, Any], output: Path | None, download: Callable[[str, Path], None]) -> dict[str, Any]:
    """The report of the execution the service returned instead of starting one, with its output fetched
    to this call's ``output``."""
    written, frames = None, report["output_frames"]
    if report["status"] == "SUCCEEDED" and output is not None:
        written, frames = _fetch_output(report["output_key"], output, download)
    return {**report, "output": str(written) if written else None, "output_frames": frames}


def _download(bucket: str, key: str, path: Path) -> None:
    with storage.s3().get_object(Bucket=bucket, Key=key)["Body"] as body, open(path, "wb") as out:
        shutil.copyfileobj(body, out, 1024 * 1024)


def _fetch_output(output_key: str, output: Path, download: Callable[[str, Path], None]) -> tuple[Path, int]:
    written = Path(output)
    written.parent.mkdir(parents=True, exist_ok=True)
    partial = written.with_name(written.name + ".part")
    download(output_key, partial)
    os.replace(partial, written)
    return written, count_frames(written)


def _wait(runner: DurableFunctionTestRunner, store, arn: str, progress: Progress | None) -> DurableFunctionTestResult:
    if progress is not None:
        # Poll the store, not the runner: a timed-out wait_for_result drops the execution's completion
        # event, and a later wait would never return.
        deadline = time.monotonic() + EXECUTION_TIMEOUT_S
        last_line = ""
        while not store.load(arn).is_complete and time.monotonic() < deadline:
            line = _progress_line(store.load(arn))
            if line != last_line:
                progress(line)
                last_line = line
            time.sleep(_POLL_S)
    return runner.wait_for_result(arn, timeout=EXECUTION_TIMEOUT_S)


def _progress_line(execution) -> str:
    done = {op.name: op.status.value for op in execution.get_navigable_operations() if op.parent_id is None}
    encodes = [op for op in execution.get_navigable_operations() if op.name and op.name.startswith("encode-")]
    finished = sum(op.status.value in ("SUCCEEDED", "FAILED") for op in encodes)
    chunks = facts.step_result(execution, "chunk")
    parts = [f"validate {done.get('validate', 'running').lower()}"]
    if "chunk" in done:
        parts.append(f"chunk {done['chunk'].lower()}")
    if chunks is not None:
        parts.append(f"encode {finished}/{len(chunks)}")
    if "assemble" in done:
        parts.append(f"assemble {done['assemble'].lower()}")
    return ", ".join(parts)


def job_report(
    store,
    arn: str,
    steps: instrument.StepRecorder,
    job_id: str,
    duration_s: float,
    output: Path | None,
    download: Callable[[str, Path], None],
) -> dict[str, Any]:
    """The CLI's JSON fields of execution ``arn``, read from the runner's ``store`` and the step record;
    with ``output``, the output is fetched there by ``download(key, path)`` and its frames counted."""
    execution = store.load(arn)
    succeeded = execution.close_status is ExecutionStatus.SUCCEEDED
    outcome = json.loads(execution.result.result) if succeeded and execution.result.result else {}
    video = facts.step_result(execution, "validate") or {}
    chunks = facts.step_result(execution, "chunk") or []
    output_key = outcome.get("output_key")
    written, output_frames = None, outcome.get("output_frames")
    if succeeded and output is not None:
        written, output_frames = _fetch_output(output_key, output, download)
    error = None
    if not succeeded:
        failure = execution.result.error if execution.result else None
        error = failure.message if failure else str(execution.close_status)
    return {
        "status": "SUCCEEDED" if succeeded else "FAILED",
        "error": error,
        "error_kind": None if succeeded else _failure_kind(execution),
        "job_id": job_id,
        "chunks": len(chunks) or None,
        "input_frames": video.get("frames"),
        "output_frames": output_frames,
        "duration_s": round(duration_s, 4),
        "output": str(written) if written else None,
        "output_key": output_key,
        "stage_latency_s": steps.stage_latency_s(),
        "chunk_latency_s": steps.chunk_latency_s(len(chunks)),
        "chunk_attempts": steps.chunk_attempts(len(chunks)),
        "step_executions": steps.executions(),
        **steps.invocation_figures(),
        **facts.execution_facts(store, arn),
    }


def _failure_kind(execution) -> str:
    if execution.close_status is ExecutionStatus.TIMED_OUT:
        return "timed_out"
    return facts.error_kind(execution) or "stage_failed"


def _key_safe(name: str) -> str:
    """The file name as an S3 key segment that ``layout.check_input_key`` accepts."""
    safe = re.sub(r"[^A-Za-z0-9._ -]", "_", name).lstrip("._ -")
    return safe or "input"
