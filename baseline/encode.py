"""Stage 3, encode: claim one chunk, encode it, upload it, count it done; the last one starts assembly.

Each claim adds an attempt on the chunk item; an encode that fails is retried here, under the same
lease, until ``max_chunk_attempts``, and then fails the job with the chunk's reason. An invocation that
dies (timeout, out of memory) is retried by Lambda with the same request id, whose claim also counts.
The fan-in is one conditional write on the job item (see ``job_item``): the invocation that counts the
last chunk invokes assemble, exactly once on the happy path.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from media import EncodeError, MediaError, encode_chunk, layout

from . import runtime
from .exceptions import (
    ChunkAlreadyCountedError,
    ChunkFailedError,
    ClaimRejectedError,
    LeaseLostError,
    WorkObjectMissingError,
)
from .outcome import outcome
from .state import DONE, FAILED, RUNNING, Lease, LambdaContext

STAGE = "encode"
#: The reason of a chunk whose encoder died (timeout, out of memory) on every attempt, leaving none.
ENCODER_STOPPED = "its encoder stopped before finishing (timeout or crash)"


def handler(event: dict, context: LambdaContext) -> dict:
    rt = runtime.current()
    job_id = layout.check_job_id(event["job_id"])
    index, count = int(event["index"]), int(event["chunk_count"])
    lease = Lease.for_invocation(context)
    max_attempts = rt.config.settings.max_chunk_attempts
    try:
        attempt = rt.chunks.claim(job_id, index, lease, max_attempts, rt.config.expires_at())
    except ClaimRejectedError as rejected:
        return _not_claimed(rt, job_id, index, count, rejected.current, lease)
    while True:
        try:
            _encode(rt, job_id, index, int(event["frames"]))
            break
        except WorkObjectMissingError as missing:
            return _chunk_missing(rt, job_id, index, count, missing)
        except MediaError as error:
            if attempt >= max_attempts:
                return _give_up(rt, job_id, index, count, lease, attempt, error)
            attempt = rt.chunks.retry(job_id, index, lease, error)
    rt.chunks.done(job_id, index, lease)
    return _count_done(rt, job_id, index, count, attempts=attempt)


def _encode(rt: runtime.Runtime, job_id: str, index: int, frames: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / f"{index:05d}.mkv"
        rt.storage.download(layout.chunk_key(job_id, index), source)
        target = Path(tmp) / f"{index:05d}.mp4"
        encoded_frames = encode_chunk(source, target, rt.config.settings.encode)
        # Checked here, not only at assembly, so that a bad part is retried as one chunk's failure.
        if encoded_frames != frames:
            raise EncodeError(f"encoded chunk has {encoded_frames} frames, expected {frames}")
        rt.storage.upload(target, layout.encoded_key(job_id, index))


def _chunk_missing(rt: runtime.Runtime, job_id: str, index: int, count: int, missing: WorkObjectMissingError) -> dict:
    """The chunk object is gone: expected once the job has ended (its clean-up deleted it); while the job
    runs, the chunk is lost for good (S3 reads its own writes), and so is the job."""
    if rt.jobs.fail(job_id, missing):
        rt.storage.delete_work(job_id, count)
        return outcome(STAGE, job_id, "failed", index=index, error=str(missing), error_kind=missing.kind)
    return outcome(STAGE, job_id, "skipped", index=index)


def _count_done(rt: runtime.Runtime, job_id: str, index: int, count: int, **details: object) -> dict:
    try:
        done = rt.jobs.count_chunk_done(job_id, index)
    except ChunkAlreadyCountedError as refused:
        job = refused.current
        if job is None or job["status"] == FAILED:
            # The job failed while this chunk was encoding; a failed job keeps no work objects.
            rt.storage.delete([layout.encoded_key(job_id, index)])
            return outcome(STAGE, job_id, "skipped", index=index, job_status="FAILED")
        if job["status"] == RUNNING and job["stage"] == STAGE and "pending" not in job:
            # All chunks are counted but assembly has not started: the invocation that counted the
            # last one may have died before invoking it.
            rt.invoker.invoke("assemble", {"job_id": job_id})
            return outcome(STAGE, job_id, "resent", index=index)
        return outcome(STAGE, job_id, "skipped", index=index, job_stage=job["stage"])
    if done == count:
        rt.invoker.invoke("assemble", {"job_id": job_id})
    return outcome(STAGE, job_id, "encoded", index=index, chunks_done=done, chunk_count=count, **details)


def _give_up(
    rt: runtime.Runtime, job_id: str, index: int, count: int, lease: Lease, attempts: int, error: object
) -> dict:
    try:
        rt.chunks.fail(job_id, index, lease, str(error))
    except LeaseLostError:
        return outcome(STAGE, job_id, "skipped", index=index)
    return _fail_job(rt, job_id, index, count, attempts, str(error))


def _fail_job(rt: runtime.Runtime, job_id: str, index: int, count: int, attempts: int, reason: str) -> dict:
    error = ChunkFailedError(f"chunk {index} failed after {attempts} attempts: {reason}")
    rt.jobs.fail(job_id, error)
    rt.storage.delete_work(job_id, count)
    return outcome(STAGE, job_id, "failed", index=index, error=str(error), error_kind=error.kind)


def _not_claimed(rt: runtime.Runtime, job_id: str, index: int, count: int, chunk: dict, lease: Lease) -> dict:
    if chunk["status"] == DONE:
        return _count_done(rt, job_id, index, count)
    if chunk["status"] == FAILED:
        return _fail_job(rt, job_id, index, count, chunk["attempts"], chunk["last_error"])
    if lease.held_by_other(chunk):
        return outcome(STAGE, job_id, "skipped", index=index)
    # Out of attempts, and the last holder died without recording why.
    reason = chunk.get("last_error") or ENCODER_STOPPED
    return _give_up(rt, job_id, index, count, lease, chunk["attempts"], reason)
