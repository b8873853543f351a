"""Run the baseline in this process, as Lambda would run it, against moto or any S3/DynamoDB endpoint."""
from __future__ import annotations

import collections
import contextlib
import os
import re
import sys
import time
from pathlib import Path
from typing import Any, Callable, TextIO

import boto3

from local_aws import local_session, sibling_session
from media import PipelineSettings, count_frames, layout

from baseline import runtime
from baseline.config import DEFAULT_BUCKET, DEFAULT_TABLE, STAGES, BaselineConfig
from baseline.state import RUNNING, SUCCEEDED

from .cpu import encode_slots
from .faults import MediaFaults
from .invoker import Delivery, LocalInvoker
from .operations import OperationRecorder
from .resources import ensure_bucket, ensure_table, job_items

_SAFE_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,8}")


class LocalPipeline:
    """The four handlers (and the failure handler) deployed in this process: resources on ``session``, events
    through a ``LocalInvoker``. Use as a context manager; it installs its runtime for the handlers meanwhile.

    Calls made on ``session``: the upload of the input (the client's submission) and every call of the
    handlers. Set-up and reading the outcome go through an uncounted twin of it."""

    def __init__(
        self,
        session: boto3.session.Session,
        *,
        settings: PipelineSettings = PipelineSettings(),
        endpoint_url: str | None = None,
        copies: int | Callable[[str, dict], int] = 1,
        faults: MediaFaults | None = None,
        on_delivery: Callable[[str, Delivery], None] | None = None,
    ) -> None:
        self.session = session
        cores = os.cpu_count() or 1
        self.invoker = LocalInvoker(max_workers=2 * cores, copies=copies, on_delivery=on_delivery)
        self.recorder = OperationRecorder().attach(session, self.invoker)
        self.config = BaselineConfig(
            bucket=os.environ.get("MEDIA_BUCKET", DEFAULT_BUCKET),
            table=os.environ.get("JOBS_TABLE", DEFAULT_TABLE),
            settings=settings,
        )
        self.runtime = runtime.Runtime.build(self.config, session, self.invoker, endpoint_url)
        #: The harness's view of the same table and bucket, through clients no counter sees.
        self.inspect = runtime.Runtime.build(self.config, sibling_session(session), self.invoker, endpoint_url)
        self.faults = faults or MediaFaults()
        self._stack = contextlib.ExitStack()

    @property
    def s3(self) -> Any:
        return self.inspect.storage.client

    @property
    def dynamodb(self) -> Any:
        return self.inspect.jobs.table.client

    def __enter__(self) -> "LocalPipeline":
        self._stack.enter_context(encode_slots())
        self._stack.enter_context(self.faults.installed())
        runtime.use(self.runtime)
        self._stack.callback(runtime.use, None)
        self._stack.callback(self.recorder.detach, self.session, self.invoker)
        self._stack.callback(self.invoker.close)
        ensure_bucket(self.s3, self.config.bucket)
        ensure_table(self.dynamodb, self.config.table)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def upload(self, video: Path, job_id: str) -> str:
        key = layout.input_key(job_id, _input_name(video))
        self.runtime.storage.upload(video, key)
        return key

    def submit(self, job_id: str, input_key: str) -> None:
        self.invoker.invoke("validate", {"job_id": job_id, "input_key": input_key})

    def wait(self, timeout: float | None = None) -> bool:
        return self.invoker.wait(timeout)

    def items(self, job_id: str) -> tuple[dict | None, list[dict]]:
        return job_items(self.dynamodb, self.config.table, job_id)

    def result(self, job_id: str, input_key: str, output: Path | None, duration_s: float) -> dict:
        """The CLI's JSON fields for ``job_id``, read from its job item once every event has run."""
        deliveries = self.invoker.deliveries
        return {
            **job_result(self.inspect, self.invoker, job_id, input_key, output, duration_s),
            "storage_calls": dict(collections.Counter(op for d in deliveries for op in d.operations)),
        }


def job_result(
    inspect: runtime.Runtime, invoker: LocalInvoker, job_id: str, input_key: str, output: Path | None,
    duration_s: float,
) -> dict:
    """The CLI's JSON fields a local run shares, read through ``inspect`` (uncounted clients) once every
    event of ``invoker`` has run; the output is downloaded to ``output`` and its frames counted there."""
    job = inspect.jobs.get(job_id) if _plausible_job_id(job_id) else None
    status, error, error_kind = _outcome(job, input_key, invoker)
    ours = job if job is not None and error_kind != "job_id_conflict" else {}
    written, output_frames = None, None
    if status == SUCCEEDED:
        output_frames = ours["output_frames"]
        if output is not None:
            written = Path(output)
            written.parent.mkdir(parents=True, exist_ok=True)
            inspect.storage.download(ours["output_key"], written)
            output_frames = count_frames(written)
    deliveries = invoker.deliveries
    return {
        "status": status,
        "error": error,
        "error_kind": error_kind,
        "job_id": job_id,
        "chunks": ours.get("chunk_count", 0),
        "input_frames": (ours.get("info") or {}).get("frames"),
        "output_frames": output_frames,
        "duration_s": round(duration_s, 3),
        "output": str(written) if written else None,
        "output_key": ours.get("output_key") if status == SUCCEEDED else None,
        **timings(deliveries),
        "invocations": dict(collections.Counter(d.stage for d in deliveries)),
        "invocation_seconds": invocation_seconds(deliveries),
    }


def invocation_seconds(deliveries: list[Delivery]) -> dict[str, list[float]]:
    """Each function's deliveries, entry to return or raise, less the wait for a local CPU slot (what
    Lambda bills per invocation)."""
    seconds: dict[str, list[float]] = collections.defaultdict(list)
    for delivery in deliveries:
        seconds[delivery.stage].append(round(delivery.seconds - delivery.waited_s, 4))
    return dict(seconds)


def _plausible_job_id(job_id: str) -> bool:
    try:
        layout.check_job_id(job_id)
    except layout.InvalidJobRequestError:
        return False
    return True


def _input_name(video: Path) -> str:
    try:
        return layout.check_input_key(video.name)
    except layout.InvalidJobRequestError:
        return "input" + (video.suffix if _SAFE_SUFFIX.fullmatch(video.suffix) else "")


def _outcome(job: dict | None, input_key: str, invoker: LocalInvoker) -> tuple[str, str | None, str | None]:
    if job is None:
        rejected = next((d.result for d in invoker.deliveries if d.result and d.result.get("error")), None)
        return "FAILED", rejected["error"] if rejected else "the job was never created", "invalid_request"
    if job["input_key"] != input_key or _refused_as_conflict(invoker, job["pk"][4:]):
        return "FAILED", f"job id {job['pk'][4:]} is already used for another input", "job_id_conflict"
    if job["status"] == RUNNING:
        last = invoker.dead_letters[-1].error if invoker.dead_letters else None
        return "FAILED", f"job stopped at stage {job['stage']}: its invocations kept failing ({last!r})", "stuck"
    return job["status"], job.get("error"), job.get("error_kind")


def _refused_as_conflict(invoker: LocalInvoker, job_id: str) -> bool:
    """Whether validate refused this submission of ``job_id`` as another input (the same key with other
    bytes: the job item then names the same key, so only the refusal tells)."""
    return any(d.stage == "validate" and d.event.get("job_id") == job_id
               and (d.result or {}).get("error_kind") == "job_id_conflict" for d in invoker.deliveries)


def timings(deliveries: list[Delivery]) -> dict:
    """Stage wall times (first start to last end of the stage's deliveries) and per-chunk encode times
    (the delivery that encoded the chunk, less its wait for a local CPU slot), as the harness saw them."""
    spans: dict[str, tuple[float, float]] = {}
    chunk_seconds: dict[int, float] = {}
    for delivery in deliveries:
        start, end = spans.get(delivery.stage, (delivery.started, delivery.ended))
        spans[delivery.stage] = (min(start, delivery.started), max(end, delivery.ended))
        if delivery.stage == "encode" and (delivery.result or {}).get("outcome") == "encoded":
            chunk_seconds[delivery.result["index"]] = delivery.seconds - delivery.waited_s
    return {
        "stage_latency_s": {
            stage: round(spans[stage][1] - spans[stage][0], 3) if stage in spans else None for stage in STAGES
        },
        "chunk_latency_s": [round(chunk_seconds[i], 3) for i in sorted(chunk_seconds)],
    }


class Progress:
    """Stage changes and chunks done, one line each, on ``stream``."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.seen: set[str] = set()

    def __call__(self, when: str, delivery: Delivery) -> None:
        if when == "start" and delivery.stage not in self.seen:
            self.seen.add(delivery.stage)
            print(f"baseline: stage {delivery.stage}", file=self.stream, flush=True)
        result = delivery.result or {}
        if when == "end" and result.get("outcome") == "encoded":
            print(f"baseline: chunks done {result['chunks_done']}/{result['chunk_count']}", file=self.stream, flush=True)


def run_local(
    video: Path,
    *,
    settings: PipelineSettings = PipelineSettings(),
    output: Path | None = None,
    job_id: str | None = None,
    session: boto3.session.Session | None = None,
    endpoint_url: str | None = None,
    progress: Callable[[str, Delivery], None] | None = None,
    copies: int = 1,
    faults: MediaFaults | None = None,
) -> dict:
    """Upload ``video``, run its job through the four handlers, wait, and return the CLI's JSON fields.

    Without ``session`` it runs inside ``atomic_mock_aws()`` (unless ``endpoint_url`` or
    ``AWS_ENDPOINT_URL`` points at a server). ``copies=2`` delivers every event twice; ``faults`` makes
    chunks fail and counts encodes and assemblies.
    """
    video = Path(video)
    if not video.is_file():
        raise FileNotFoundError(f"no such video file: {video}")
    job_id = layout.check_job_id(job_id or layout.new_job_id())
    with contextlib.ExitStack() as stack:
        session = local_session(stack, session, endpoint_url)
        pipeline = stack.enter_context(
            LocalPipeline(session, settings=settings, endpoint_url=endpoint_url, copies=copies, faults=faults,
                          on_delivery=progress)
        )
        input_key = pipeline.upload(video, job_id)
        started = time.perf_counter()
        pipeline.submit(job_id, input_key)
        pipeline.wait()
        return pipeline.result(job_id, input_key, output, time.perf_counter() - started)

