"""Run one job locally: S3 on moto, both functions in the SDK's DurableFunctionTestRunner, in process."""
from __future__ import annotations

import contextlib
import json
import os
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import boto3
from aws_durable_execution_sdk_python_testing.execution import ExecutionStatus
from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestResult, DurableFunctionTestRunner
from aws_durable_execution_sdk_python_testing.stores.memory import InMemoryExecutionStore
from botocore.exceptions import ClientError

from local_aws import local_session, sibling_session
from media import PipelineSettings, count_frames, layout

from .. import config, encoder, orchestrator, storage
from . import capacity, facts, instrument
from .faults import ChunkFaults

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
    job's state changes; ``faults`` makes given chunks fail.
    """
    video = Path(video)
    if not video.is_file():
        raise FileNotFoundError(f"no such video file: {video}")
    job_id = layout.check_job_id(job_id or layout.new_job_id())
    with contextlib.ExitStack() as stack:
        session = local_session(stack, session, endpoint_url)
        bucket = config.DurableRefConfig.from_environment().bucket
        _ensure_bucket(session, endpoint_url, bucket)
        storage.use_session(session, endpoint_url)
        try:
            input_key = storage.upload(video, bucket, layout.input_key(job_id, _key_safe(video.name)))
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
    """Run the job on an input already in the bucket, as the deployed orchestrator would be started."""
    job_config = replace(config.DurableRefConfig.from_environment(), settings=settings)
    config.use(job_config)
    storage.use_session(session, endpoint_url)
    try:
        store = InMemoryExecutionStore()
        with contextlib.ExitStack() as stack:
            stack.enter_context((faults or ChunkFaults()).installed())
            lanes = stack.enter_context(capacity.encode_lanes())
            recorder = stack.enter_context(instrument.recording(lanes.take_wait_s))
            runner = stack.enter_context(DurableFunctionTestRunner(orchestrator.handler, store=store, skip_time=True))
            runner.register_durable_function(job_config.encoder_function, encoder.handler)
            started = time.perf_counter()
            arn = runner.run_async(
                input=json.dumps({"job_id": job_id, "input_key": input_key}), execution_timeout=EXECUTION_TIMEOUT_S
            )
            _wait(runner, store, arn, progress)
            duration_s = time.perf_counter() - started
        report = job_report(store, arn, recorder, job_id, duration_s, output,
                            lambda key, path: storage.download(job_config.bucket, key, path))
        return {**report, "peak_parallel_encodes": lanes.peak}
    finally:
        config.use(None)
        storage.use_session(None)


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
        written = Path(output)
        written.parent.mkdir(parents=True, exist_ok=True)
        partial = written.with_name(written.name + ".part")
        download(output_key, partial)
        os.replace(partial, written)
        output_frames = count_frames(written)
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


def _ensure_bucket(session: boto3.session.Session, endpoint_url: str | None, bucket: str) -> None:
    """Set-up, not the job's: through a sibling Session, so that counters on ``session`` do not see it."""
    client = sibling_session(session).client("s3", endpoint_url=endpoint_url, config=storage.CLIENT_CONFIG)
    region = session.region_name
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError:
        options = {} if region in (None, "us-east-1") else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        client.create_bucket(Bucket=bucket, **options)


def _key_safe(name: str) -> str:
    """The file name as an S3 key segment that ``layout.check_input_key`` accepts."""
    safe = re.sub(r"[^A-Za-z0-9._ -]", "_", name).lstrip("._ -")
    return safe or "input"
