"""Stage 4, assemble: concatenate the encoded chunks, mux the source audio, publish the output once, mark
the job SUCCEEDED, then delete the job's intermediate objects.

The claim moves the job from encode to assemble only when no chunk is pending, so a stray event cannot
start it early, and the lease keeps duplicates out. The output is created with ``IfNoneMatch="*"``: a
retry after a crash that already published it leaves the first copy alone. Clean-up comes after the job
is SUCCEEDED, so a crash never leaves a job that still needs parts it has deleted.

The output's metadata records the input it was made from (key and ETag). A refused publish is read back:
the same input means an earlier attempt (or an earlier submission of this job, whose item DynamoDB's TTL
has since deleted) published it, and the job succeeds with it; another input means the job id was used
before for something else, and the job fails without touching that output.
"""
from __future__ import annotations

import tempfile
from pathlib import Path, PurePosixPath

from media import MediaError, layout
from media.concurrency import run_all
from media import assemble as assemble_video

from . import runtime
from .exceptions import (
    ClaimRejectedError,
    InputNotFoundError,
    JobIdConflictError,
    StageFailedError,
    WorkObjectMissingError,
)
from .outcome import outcome
from .state import FAILED, RUNNING, SUCCEEDED, Lease, LambdaContext
from .storage import InputIdentity

STAGE = "assemble"


def handler(event: dict, context: LambdaContext) -> dict:
    rt = runtime.current()
    job_id = layout.check_job_id(event["job_id"])
    lease = Lease.for_invocation(context)
    try:
        job = rt.jobs.claim_assembly(job_id, lease, rt.config.settings.max_stage_attempts)
    except ClaimRejectedError as rejected:
        return _not_claimed(rt, job_id, rejected.current, lease)
    output_key = layout.output_key(job_id)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            output, frames = _assemble(rt, job_id, job, Path(tmp))
        except MediaError as error:  # a bad input, or a part lost (work_object_missing)
            return _fail(rt, job_id, job["chunk_count"], error)
        source = InputIdentity(job["input_key"], job["input_etag"])
        published = rt.storage.publish_once(output, output_key, source)
    if not published and rt.storage.published_from(output_key) != source:
        conflict = JobIdConflictError(f"job id {job_id} is already used for another input")
        return _fail(rt, job_id, job["chunk_count"], conflict)
    rt.jobs.succeed(job_id, lease, output_key, frames)
    rt.storage.delete_work(job_id, job["chunk_count"])
    return outcome(STAGE, job_id, "succeeded", output_key=output_key, frames=frames, published=published)


def _assemble(rt: runtime.Runtime, job_id: str, job: dict, tmp: Path) -> tuple[Path, int]:
    info = job["info"]
    parts = [tmp / f"{i:05d}.mp4" for i in range(job["chunk_count"])]
    run_all(lambda i: rt.storage.download(layout.encoded_key(job_id, i), parts[i]), range(len(parts)))
    audio_source = None
    if info["has_audio"]:
        audio_source = tmp / PurePosixPath(job["input_key"]).name
        try:
            rt.storage.download(job["input_key"], audio_source)
        except WorkObjectMissingError:
            raise InputNotFoundError(f"input object {rt.storage.url(job['input_key'])} does not exist") from None
    output = tmp / "output.mp4"
    frames = assemble_video(parts, audio_source, info["audio_codec"], output, expected_frames=info["frames"])
    return output, frames


def _not_claimed(rt: runtime.Runtime, job_id: str, job: dict | None, lease: Lease) -> dict:
    if job is None or job["status"] == FAILED:
        return outcome(STAGE, job_id, "skipped")
    if job["status"] == SUCCEEDED:
        # A crash may have cut the clean-up short; deleting is idempotent.
        rt.storage.delete_work(job_id, job["chunk_count"])
        return outcome(STAGE, job_id, "skipped", job_status=SUCCEEDED)
    if job["stage"] == STAGE and job["status"] == RUNNING and not lease.held_by_other(job):
        error = StageFailedError(f"stage {STAGE} did not finish after {job['attempts']} attempts")
        return _fail(rt, job_id, job["chunk_count"], error)
    return outcome(STAGE, job_id, "skipped", job_stage=job["stage"])


def _fail(rt: runtime.Runtime, job_id: str, chunk_count: int, error: MediaError) -> dict:
    """Fail the job with ``error`` and delete its work objects; the output, if any, is left alone."""
    rt.jobs.fail(job_id, error)
    rt.storage.delete_work(job_id, chunk_count)
    return outcome(STAGE, job_id, "failed", error=str(error), error_kind=error.kind)
