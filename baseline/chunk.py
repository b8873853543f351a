"""Stage 2, chunk: split the input into fixed-duration chunks, upload them, fan out one encode per chunk.

The job moves to stage encode, with the set of pending chunks, in one write after every chunk is
uploaded; only then are the encodes invoked. A retry that finds the job already at encode invokes the
pending chunks again, because a crash may have cut the fan-out short (encoders ignore duplicates).
"""
from __future__ import annotations

import tempfile
from pathlib import Path, PurePosixPath

import media
from media import MediaError, layout
from media.concurrency import run_all

from . import runtime
from .exceptions import ClaimRejectedError, InputNotFoundError, StageFailedError, WorkObjectMissingError
from .outcome import outcome
from .state import RUNNING, Lease, LambdaContext

STAGE = "chunk"


def handler(event: dict, context: LambdaContext) -> dict:
    rt = runtime.current()
    job_id = layout.check_job_id(event["job_id"])
    lease = Lease.for_invocation(context)
    try:
        job = rt.jobs.claim(job_id, STAGE, lease, rt.config.settings.max_stage_attempts)
    except ClaimRejectedError as rejected:
        return _not_claimed(rt, job_id, rejected.current, lease)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            chunks = _split(rt, job["input_key"], Path(tmp))
        except MediaError as error:
            rt.jobs.fail(job_id, error)
            rt.storage.delete_work(job_id, None)
            return outcome(STAGE, job_id, "failed", error=str(error), error_kind=error.kind)
        run_all(lambda i: rt.storage.upload(chunks[i], layout.chunk_key(job_id, i)), range(len(chunks)))
    count = len(chunks)
    rt.jobs.advance(job_id, STAGE, lease, "encode", chunk_count=count, pending=set(range(count)), chunks_done=0)
    _fan_out(rt, job_id, job["info"], range(count))
    return outcome(STAGE, job_id, "advanced", chunks=count)


def _split(rt: runtime.Runtime, input_key: str, tmp: Path) -> list[Path]:
    source = tmp / PurePosixPath(input_key).name
    try:
        rt.storage.download(input_key, source)
    except WorkObjectMissingError:
        raise InputNotFoundError(f"input object {rt.storage.url(input_key)} does not exist") from None
    info = media.probe(source)
    return media.split(source, info, tmp / "chunks", rt.config.settings.chunk_seconds)


def _fan_out(rt: runtime.Runtime, job_id: str, info: dict, indices: range | list[int]) -> None:
    """Invoke one encode per chunk in ``indices``, each told its chunk's frame count (the plan is
    deterministic: the same one ``media.split`` cut by)."""
    plan = media.plan_chunks(info["frames"], info["fps"], rt.config.settings.chunk_seconds)
    run_all(lambda i: rt.invoker.invoke(
        "encode", {"job_id": job_id, "index": i, "chunk_count": len(plan), "frames": plan[i].frames}), indices)


def _not_claimed(rt: runtime.Runtime, job_id: str, job: dict | None, lease: Lease) -> dict:
    if job is None or job["status"] != RUNNING or lease.held_by_other(job):
        return outcome(STAGE, job_id, "skipped")
    if job["stage"] == STAGE:
        error = StageFailedError(f"stage {STAGE} did not finish after {job['attempts']} attempts")
        rt.jobs.fail(job_id, error)
        rt.storage.delete_work(job_id, None)
        return outcome(STAGE, job_id, "failed", error=str(error), error_kind=error.kind)
    if job["stage"] == "encode" and job.get("pending"):
        _fan_out(rt, job_id, job["info"], sorted(job["pending"]))
        return outcome(STAGE, job_id, "resent", chunks=len(job["pending"]))
    return outcome(STAGE, job_id, "skipped", job_stage=job["stage"])
