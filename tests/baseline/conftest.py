"""Fixtures of the baseline tests: moto in process (atomic per request) and a helper that runs one job
through ``LocalPipeline`` and gathers what a test checks (result, items, S3 keys, media calls)."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import boto3
import pytest

from baseline.local import CrashInjector, Delivery, LocalPipeline, MediaFaults
from local_aws import atomic_mock_aws, make_session
from media import PipelineSettings


@pytest.fixture
def session() -> Iterator[boto3.session.Session]:
    with atomic_mock_aws():
        yield make_session()


@dataclass
class JobRun:
    result: dict
    job: dict | None
    chunks: list[dict]
    keys: list[str]
    faults: MediaFaults
    deliveries: list[Delivery]
    dead_letters: list[Delivery]
    #: Successful PutObject calls on output/ keys (a refused IfNoneMatch put is not one).
    output_puts: int = 0
    crash: CrashInjector | None = None
    extra: dict = field(default_factory=dict)

    def work_keys(self) -> list[str]:
        return [key for key in self.keys if key.startswith("work/")]

    def output_keys(self) -> list[str]:
        return [key for key in self.keys if key.startswith("output/")]


def run_job(
    session: boto3.session.Session,
    video: Path,
    tmp_path: Path,
    *,
    job_id: str = "job-1",
    settings: PipelineSettings = PipelineSettings(),
    copies: int | Callable[[str, dict], int] = 1,
    faults: MediaFaults | None = None,
    submissions: int = 1,
    crash: CrashInjector | None = None,
    input_key: str | None = None,
) -> JobRun:
    """Upload ``video`` and submit its job ``submissions`` times at once; wait; collect the outcome."""
    faults = faults or MediaFaults()
    output_puts = []
    put_key = threading.local()

    def note_put_key(params, **_):  # type: ignore[no-untyped-def]
        put_key.value = params["Key"]

    def count_output_put(http_response, **_):  # type: ignore[no-untyped-def]
        if put_key.value.startswith("output/") and http_response.status_code == 200:
            output_puts.append(put_key.value)

    session.events.register("before-parameter-build.s3.PutObject", note_put_key)
    session.events.register("after-call.s3.PutObject", count_output_put)
    try:
        with LocalPipeline(session, settings=settings, copies=copies, faults=faults) as pipeline:
            if crash is not None:
                pipeline.recorder.listeners.append(crash)
            key = input_key or pipeline.upload(video, job_id)
            for _ in range(submissions):
                pipeline.submit(job_id, key)
            assert pipeline.wait(timeout=300), "the job did not settle"
            result = pipeline.result(job_id, key, tmp_path / f"{job_id}.mp4", 0.0)
            job, chunks = pipeline.items(job_id)
            listing = pipeline.s3.list_objects_v2(Bucket=pipeline.config.bucket)
            keys = sorted(item["Key"] for item in listing.get("Contents", []))
            return JobRun(result, job, chunks, keys, faults, list(pipeline.invoker.deliveries),
                          list(pipeline.invoker.dead_letters), len(output_puts), crash)
    finally:
        session.events.unregister("before-parameter-build.s3.PutObject", note_put_key)
        session.events.unregister("after-call.s3.PutObject", count_output_put)
