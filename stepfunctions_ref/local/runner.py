"""Run one job locally: S3 and Step Functions on moto (which interprets the ASL), the task handlers in process."""
from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterator
from unittest import mock

import boto3
from botocore.exceptions import ClientError

from local_aws import local_session, sibling_session
from media import PipelineSettings, count_frames, layout

from .. import config, storage
from ..exceptions import JobIdConflictError
from local_aws.cores import encode_lanes
from .faults import ChunkFaults
from .history import history_facts
from .lambdas import LocalLambda, routed

DEFINITION = Path(__file__).resolve().parent.parent / "statemachine.asl.json"
STATE_MACHINE_NAME = "video-pipeline"
#: Task function of each ``${...FunctionArn}`` substitution (the template's DefinitionSubstitutions).
FUNCTIONS = {"ValidateFunctionArn": "validate", "ChunkFunctionArn": "chunk", "EncodeFunctionArn": "encode",
             "AssembleFunctionArn": "assemble", "CleanupFunctionArn": "cleanup"}
_ACCOUNT = "123456789012"  # moto's
_POLL_S = 0.05
EXECUTION_TIMEOUT_S = 3600

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
    """Upload ``video``, run the whole job as a state machine execution named ``job_id``, wait for it; return
    the CLI's JSON fields (durable_ref's, plus the execution history's figures). A ``job_id`` used before for
    another input fails with ``job_id_conflict`` and runs nothing; for the same input it returns that
    execution's result, as ``StartExecution``'s name dedupe makes the service do."""
    video = Path(video)
    if not video.is_file():
        raise FileNotFoundError(f"no such video file: {video}")
    job_id = layout.check_job_id(job_id or layout.new_job_id())
    job_config = replace(config.StepFunctionsRefConfig.from_environment(), settings=settings)
    with contextlib.ExitStack() as stack:
        stack.enter_context(_moto_runs_state_machines())
        session = local_session(stack, session, endpoint_url)
        setup = sibling_session(session)
        s3_setup = setup.client("s3", endpoint_url=endpoint_url, config=storage.CLIENT_CONFIG)
        _ensure_bucket(s3_setup, job_config.bucket, session.region_name)
        # Registered before the job's S3 client exists: a client copies its Session's hooks when made.
        calls: Counter = Counter()

        def count_call(model: Any, **_: Any) -> None:
            calls[f"{model.service_model.service_name}.{model.name}"] += 1

        session.events.register("before-call.s3", count_call)
        stack.callback(session.events.unregister, "before-call.s3", count_call)
        config.use(job_config)
        storage.use_session(session, endpoint_url)
        try:
            input_key = layout.input_key(job_id, _key_safe(video.name))
            if not _upload_input(video, job_config.bucket, input_key):
                return _refused_report(job_id)
            sfn = setup.client("stepfunctions", endpoint_url=endpoint_url)
            calls.clear()  # the upload is the caller's, not the job's
            return _run_execution(sfn, session, job_config, job_id, input_key, output, progress,
                                  faults or ChunkFaults(), calls)
        finally:
            config.use(None)
            storage.use_session(None)


@contextlib.contextmanager
def _moto_runs_state_machines() -> Iterator[None]:
    """moto interprets ASL only when asked (``execute_state_machine``), and a Retry's IntervalSeconds (at
    least 1 in ASL) is a real sleep there: skipped locally, as the durable runner's ``skip_time`` does."""
    from moto.core.config import default_user_config
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    class _NoWait:
        @staticmethod
        def sleep(seconds: float) -> None:
            pass

    with mock.patch.dict(default_user_config, {"stepfunctions": {"execute_state_machine": True},
                                               "lambda": {"use_docker": False}}), \
            mock.patch.object(retrier_decl, "time", _NoWait):
        yield


def definition(region: str, settings: PipelineSettings = PipelineSettings()) -> str:
    """The ASL with each function ARN filled in, as the template's DefinitionSubstitutions do, and the
    transient-error Retriers' attempts set from ``settings`` (the file holds the defaults' 3 and 3)."""
    text = DEFINITION.read_text()
    for placeholder, function in FUNCTIONS.items():
        text = text.replace("${%s}" % placeholder, f"arn:aws:lambda:{region}:{_ACCOUNT}:function:{function}")
    machine = json.loads(text)
    states = machine["States"]
    for stage in ("Validate", "Chunk", "Assemble"):
        states[stage]["Retry"][-1]["MaxAttempts"] = settings.max_stage_attempts - 1
    states["Encode"]["ItemProcessor"]["States"]["EncodeChunk"]["Retry"][-1]["MaxAttempts"] = settings.max_chunk_attempts - 1
    return json.dumps(machine)


def map_max_concurrency() -> int:
    """The Encode Map's MaxConcurrency in the definition (on AWS an Inline Map runs at most 40 at once)."""
    return int(json.loads(DEFINITION.read_text())["States"]["Encode"]["MaxConcurrency"])


def _state_machine(sfn: Any, region: str, settings: PipelineSettings) -> str:
    """The local state machine for ``settings``' attempt limits, created on first use."""
    text = definition(region, settings)
    name = f"{STATE_MACHINE_NAME}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"
    for machine in sfn.list_state_machines()["stateMachines"]:
        if machine["name"] == name:
            return machine["stateMachineArn"]
    return sfn.create_state_machine(name=name, definition=text, type="STANDARD",
                                    roleArn=f"arn:aws:iam::{_ACCOUNT}:role/video-pipeline-states")["stateMachineArn"]


def _run_execution(sfn: Any, session: boto3.session.Session, job_config: config.StepFunctionsRefConfig, job_id: str,
                   input_key: str, output: Path | None, progress: Progress | None, faults: ChunkFaults,
                   calls: Counter) -> dict:
    machine = _state_machine(sfn, session.region_name, job_config.settings)
    payload = json.dumps({"job_id": job_id, "input_key": input_key})
    with contextlib.ExitStack() as stack:
        stack.enter_context(faults.installed())
        lanes = stack.enter_context(encode_lanes())
        local = stack.enter_context(routed(LocalLambda(lanes.take_wait_s)))
        started = time.perf_counter()
        try:
            arn = sfn.start_execution(stateMachineArn=machine, name=job_id, input=payload)["executionArn"]
        except ClientError as error:
            if error.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise
            arn = machine.replace(":stateMachine:", ":execution:") + f":{job_id}"
            if sfn.describe_execution(executionArn=arn)["input"] != payload:
                return _refused_report(job_id)
            # The same job submitted again: the service returns the earlier execution, nothing runs.
        described = _wait(sfn, arn, local, progress)
        duration_s = time.perf_counter() - started
        storage_calls = dict(calls)  # the report's own download of the output is not the job's
    return _report(sfn, described, local, storage_calls, lanes.peak, job_id, duration_s, output, job_config.bucket)


def _wait(sfn: Any, arn: str, local: LocalLambda, progress: Progress | None) -> dict:
    deadline = time.monotonic() + EXECUTION_TIMEOUT_S
    last_line = ""
    while True:
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return described
        if progress is not None:
            line = ", ".join(f"{function} {count}" for function, count in local.executions().items()) or "started"
            if line != last_line:
                progress(line)
                last_line = line
        time.sleep(_POLL_S)


def _report(sfn: Any, described: dict, local: LocalLambda, storage_calls: dict, peak: int, job_id: str,
            duration_s: float, output: Path | None, bucket: str) -> dict[str, Any]:
    events = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=described["executionArn"]):
        events.extend(page["events"])
    facts = history_facts(events)
    succeeded = described["status"] == "SUCCEEDED"
    outcome = json.loads(described.get("output") or "{}") if succeeded else {}
    chunks = facts.pop("chunks")
    video = facts.pop("video") or {}
    written, output_frames = None, outcome.get("output_frames")
    if succeeded and output is not None:
        written = Path(output)
        written.parent.mkdir(parents=True, exist_ok=True)
        partial = written.with_name(written.name + ".part")
        with storage.s3().get_object(Bucket=bucket, Key=outcome["output_key"])["Body"] as body, open(partial, "wb") as out:
            shutil.copyfileobj(body, out, 1024 * 1024)
        partial.replace(written)
        output_frames = count_frames(written)
    chunk_count = len(chunks or [])
    return {
        "status": "SUCCEEDED" if succeeded else "FAILED",
        "error": None if succeeded else (described.get("cause") or described["status"]),
        "error_kind": None if succeeded else (described.get("error") or "stage_failed"),
        "job_id": job_id,
        "chunks": chunk_count or None,
        "input_frames": video.get("frames"),
        "output_frames": output_frames,
        "duration_s": round(duration_s, 4),
        "output": str(written) if written else None,
        "output_key": outcome.get("output_key"),
        "stage_latency_s": local.stage_latency_s(),
        "chunk_latency_s": local.chunk_latency_s(chunk_count),
        "chunk_attempts": local.chunk_attempts(chunk_count),
        "step_executions": local.executions(),
        "invocations": len(local.invocations),
        "invocation_seconds": local.invocation_seconds(),
        "invocation_core_wait_s": local.core_wait_s(),
        "storage_calls": storage_calls,
        "peak_parallel_encodes": peak,
        "map_max_concurrency": map_max_concurrency(),
        **facts,
    }


def _refused_report(job_id: str) -> dict[str, Any]:
    """The CLI's JSON fields of a job refused before it ran: its id names another input's job."""
    return {
        "status": "FAILED",
        "error": str(JobIdConflictError(f"job id {job_id} is already used for another input")),
        "error_kind": JobIdConflictError.kind,
        "job_id": job_id,
        "chunks": None, "input_frames": None, "output_frames": None, "duration_s": 0.0,
        "output": None, "output_key": None,
        "stage_latency_s": {}, "chunk_latency_s": [], "chunk_attempts": [], "step_executions": {},
        "invocations": 0, "invocation_seconds": {}, "invocation_core_wait_s": {}, "storage_calls": {},
        "peak_parallel_encodes": 0, "state_transitions": 0, "execution_history_events": 0, "state_payload_bytes": 0,
        "largest_state_payload_bytes": 0, "map_max_concurrency": map_max_concurrency(),
    }


def _ensure_bucket(client: Any, bucket: str, region: str | None) -> None:
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError:
        options = {} if region in (None, "us-east-1") else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        client.create_bucket(Bucket=bucket, **options)


def _upload_input(video: Path, bucket: str, key: str) -> bool:
    """Upload ``video`` to ``key`` unless another file is there already (a job id reused for another input)."""
    if storage.publish_once(video, bucket, key, {}):
        return True
    existing = storage.s3().head_object(Bucket=bucket, Key=key)["ETag"].strip('"')
    with open(video, "rb") as data:
        return existing == hashlib.file_digest(data, "md5").hexdigest()


def _key_safe(name: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._ -]", "_", name).lstrip("._ -")
    return safe or "input"
