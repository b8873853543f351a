"""Stage 1, validate: probe the uploaded input, check it against the limits, then start chunking or fail.

The event ``{"job_id", "input_key"}`` is the job's submission. Its first write creates the job item (or
takes it back when Lambda retries this invocation), so the same job submitted twice runs once.
"""
from __future__ import annotations

import tempfile
from pathlib import Path, PurePosixPath

import media
from media import MediaError, layout

from . import runtime
from .exceptions import (
    ClaimRejectedError,
    InputNotFoundError,
    JobIdConflictError,
    StageFailedError,
    WorkObjectMissingError,
)
from .outcome import outcome
from .state import RUNNING, Lease, LambdaContext

STAGE = "validate"


def handler(event: dict, context: LambdaContext) -> dict:
    rt = runtime.current()
    try:
        job_id = layout.check_job_id(event.get("job_id"))
    except MediaError as error:  # no valid job id: nothing to record the failure on
        return outcome(STAGE, str(event.get("job_id")), "rejected", error=str(error))
    input_key = str(event.get("input_key"))
    lease = Lease.for_invocation(context)
    settings = rt.config.settings
    try:
        rt.jobs.start(job_id, input_key, lease, settings.max_stage_attempts, rt.config.expires_at())
    except ClaimRejectedError as rejected:
        return _not_claimed(rt, job_id, input_key, rejected.current, lease)
    try:
        info, input_etag = _check_input(rt, job_id, input_key)
    except MediaError as error:
        rt.jobs.fail(job_id, error)
        return outcome(STAGE, job_id, "failed", error=str(error), error_kind=error.kind)
    # The ETag goes into the output's metadata, where a later job under the same id (after this item's
    # TTL) is told apart from a resubmission of this one.
    rt.jobs.advance(job_id, STAGE, lease, "chunk", info=info, input_etag=input_etag)
    rt.invoker.invoke("chunk", {"job_id": job_id})
    return outcome(STAGE, job_id, "advanced", frames=info["frames"])


def _check_input(rt: runtime.Runtime, job_id: str, input_key: str) -> tuple[dict, str]:
    """The probe summary of the input and the ETag of the copy probed."""
    layout.check_input_key(input_key)
    if not input_key.startswith(f"input/{job_id}/"):
        raise layout.InvalidJobRequestError(f"input key {input_key!r} is not under input/{job_id}/")
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / PurePosixPath(input_key).name
        try:
            etag = rt.storage.download(input_key, local)
        except WorkObjectMissingError:
            raise InputNotFoundError(f"input object {rt.storage.url(input_key)} does not exist") from None
        info = media.probe(local)
    media.check_limits(info, rt.config.settings.limits)
    summary = info.to_dict()
    del summary["keyframes"]  # chunking probes its own copy; keep the job item small
    return summary, etag


def _not_claimed(rt: runtime.Runtime, job_id: str, input_key: str, job: dict, lease: Lease) -> dict:
    if job["input_key"] != input_key or _input_replaced(rt, job):
        error = JobIdConflictError(f"job id {job_id} is already used for another input")
        return outcome(STAGE, job_id, "rejected", error=str(error), error_kind=error.kind)
    if job["status"] != RUNNING or lease.held_by_other(job):
        return outcome(STAGE, job_id, "skipped", job_stage=job["stage"], job_status=job["status"])
    if job["stage"] == STAGE:
        error = StageFailedError(f"stage {STAGE} did not finish after {job['attempts']} attempts")
        rt.jobs.fail(job_id, error)
        return outcome(STAGE, job_id, "failed", error=str(error), error_kind=error.kind)
    if job["stage"] == "chunk":
        # This job got past validation but its chunk event may have been lost with a crashed invocation.
        rt.invoker.invoke("chunk", {"job_id": job_id})
        return outcome(STAGE, job_id, "resent")
    return outcome(STAGE, job_id, "skipped", job_stage=job["stage"])


def _input_replaced(rt: runtime.Runtime, job: dict) -> bool:
    """Whether another upload has replaced the job's input under the same key since validate read it (the
    ETag differs): a submission of that is another input. A job not yet past validate, or an input
    deleted since, cannot tell, and counts as the same."""
    if "input_etag" not in job:
        return False
    current = rt.storage.etag(job["input_key"])
    return current is not None and current != job["input_etag"]
