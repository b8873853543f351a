"""Run one job locally: S3 on moto, both functions in the SDK's DurableFunctionTestRunner, in process."""
from __future__ import annotations

import contextlib
import json
import os
import re
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import boto3
from aws_durable_execution_sdk_python_testing.execution import ExecutionStatus
from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestResult, DurableFunctionTestRunner
from aws_durable_execution_sdk_python_testing.stores.memory import InMemoryExecutionStore
from botocore.exceptions import ClientError

from local_aws import local_session, sibling_session
from media import PipelineSettings, layout

from .. import config, encoder, orchestrator, storage
from . import capacity, facts, instrument
from .faults import ChunkFaults

#: Durable execution timeout of a local job (the template's ExecutionTimeout).
EXECUTION_TIMEOUT_S = 3600
_POLL_S = 0.1

Progress = Callable[[str], None]


def new_job_id() -> str:
    return f"job-{uuid.uuid4().hex[:12]}"


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
    job_id = layout.check_job_id(job_id or new_job_id())
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
            result = _wait(runner, store, arn, progress)
            duration_s = time.perf_counter() - started
        return _report(result, store, arn, recorder, lanes.peak, job_id, duration_s, output, job_config.bucket)
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


def _report(
    result: DurableFunctionTestResult,
    store,
    arn: str,
    recorder: instrument.StepRecorder,
    peak_parallel_encodes: int,
    job_id: str,
    duration_s: float,
    output: Path | None,
    bucket: str,
) -> dict[str, Any]:
    execution = store.load(arn)
    succeeded = result.execution_status is ExecutionStatus.SUCCEEDED
    outcome = json.loads(result.result) if succeeded and result.result else {}
    video = facts.step_result(execution, "validate") or {}
    chunks = facts.step_result(execution, "chunk") or []
    output_key = outcome.get("output_key")
    local_output = None
    if succeeded and output is not None:
        local_output = _download(bucket, output_key, Path(output))
    error = None if succeeded else (result.error.message if result.error else str(result.execution_status))
    return {
        "status": "SUCCEEDED" if succeeded else "FAILED",
        "error": error,
        "error_kind": None if succeeded else _failure_kind(result, execution),
        "job_id": job_id,
        "chunks": len(chunks) or None,
        "input_frames": video.get("frames"),
        "output_frames": outcome.get("output_frames"),
        "duration_s": round(duration_s, 4),
        "output": str(local_output) if local_output else None,
        "output_key": output_key,
        "stage_latency_s": recorder.stage_latency_s(),
        "chunk_latency_s": recorder.chunk_latency_s(len(chunks)),
        "chunk_attempts": recorder.chunk_attempts(len(chunks)),
        "peak_parallel_encodes": peak_parallel_encodes,
        "step_executions": recorder.executions(),
        **facts.execution_facts(store, arn),
    }


def _failure_kind(result: DurableFunctionTestResult, execution) -> str:
    if result.execution_status is ExecutionStatus.TIMED_OUT:
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


def _download(bucket: str, key: str, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    storage.download(bucket, key, partial)
    os.replace(partial, target)
    return target
