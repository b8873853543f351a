"""The failure handler: fail a job whose event Lambda gave up on, with the reason, and delete its work objects.

Lambda delivers an asynchronous event up to three times (the template's ``MaximumRetryAttempts: 2``). An
event that fails every time (a handler that crashes at the same place, times out or runs out of memory on
each delivery) leaves no handler behind to fail its job, which would stay RUNNING for ever. So every stage
function's ``OnFailure`` destination is this function: Lambda invokes it asynchronously with an invocation
record, ``requestContext`` (``condition`` such as ``RetriesExhausted`` or ``EventAgeExceeded``,
``functionArn``, ``requestId``, ``approximateInvokeCount``), ``requestPayload`` (the event) and
``responsePayload`` (the last error). A batch of SQS-wrapped records (``Records[].body``, as a consumer of
a destination queue gets them) is accepted too.

A record fails its job only while the job still waits on the dead event (see ``JobItems.fail_abandoned``),
with one conditional write: a record for a stale event (its job moved on) or a record delivered again
changes nothing. The clean-up runs whenever the job is FAILED, so a retry after a crash in between
finishes it; deleting is idempotent.
"""
from __future__ import annotations

import json

from media import MediaError, layout

from . import runtime
from .encode import ENCODER_STOPPED
from .exceptions import ChunkFailedError, StageFailedError
from .outcome import outcome
from .state import FAILED, LambdaContext

FUNCTION = "dead_letter"
#: Lambda's own deliveries of an asynchronous event: the first and two retries (the template's setting).
DELIVERIES = 3


def handler(event: dict, context: LambdaContext) -> dict:
    if "Records" not in event:
        return handle_record(event)
    # SQS-wrapped records: report the ones that raised, so that only they are delivered again.
    failures, results = [], []
    for message in event["Records"]:
        try:
            results.append(handle_record(json.loads(message["body"])))
        except Exception:  # noqa: BLE001 - any failure of one record leaves it on the queue for a retry
            failures.append({"itemIdentifier": message["messageId"]})
    return {"batchItemFailures": failures, "results": results}


def handle_record(record: dict) -> dict:
    """Fail the job of one invocation record's event (if it still waits on it) and delete its work objects."""
    rt = runtime.current()
    request = record.get("requestContext", {})
    payload = record.get("requestPayload") or {}
    stage = rt.config.stage_of(str(request.get("functionArn", "")))
    try:
        job_id = layout.check_job_id(payload.get("job_id"))
    except MediaError as error:  # nothing to record a failure on
        return outcome(FUNCTION, str(payload.get("job_id")), "ignored", reason=str(error))
    if stage is None:
        return outcome(FUNCTION, job_id, "ignored", reason=f"no stage has function {request.get('functionArn')!r}")
    attempts = int(request.get("approximateInvokeCount") or DELIVERIES)
    error = _reason(stage, payload, attempts)
    failed_now, job = rt.jobs.fail_abandoned(
        job_id, stage, error, input_key=str(payload.get("input_key", "")),
        index=payload.get("index"), expires_at=rt.config.expires_at(),
    )
    details = {"dead_stage": stage, "condition": request.get("condition"), "last_error": _last_error(record)}
    if job is None or job["status"] != FAILED:
        # The job moved on without the dead event (another delivery did its work), or never existed.
        return outcome(FUNCTION, job_id, "ignored", job_status=job and job["status"], **details)
    if job["stage"] != "validate":  # validation writes no work objects
        rt.storage.delete_work(job_id, job.get("chunk_count"))
    if not failed_now:
        return outcome(FUNCTION, job_id, "already_failed", **details)
    return outcome(FUNCTION, job_id, "failed", error=str(error), error_kind=error.kind, **details)


def _reason(stage: str, payload: dict, attempts: int) -> MediaError:
    if stage == "encode":
        return ChunkFailedError(f"chunk {payload.get('index')} failed after {attempts} attempts: {ENCODER_STOPPED}")
    return StageFailedError(f"stage {stage} did not finish after {attempts} attempts")


def _last_error(record: dict) -> str | None:
    """What the last delivery ended with, for the log: its error message, or the function error kind."""
    response = record.get("responsePayload")
    if isinstance(response, dict) and response.get("errorMessage"):
        return str(response["errorMessage"])
    return (record.get("responseContext") or {}).get("functionError")
