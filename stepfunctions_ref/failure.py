"""The failure path's task: delete the job's work objects and name the failure as the other two do.

The state machine's ``Catch`` hands it the failed stage and the caught error (``Error``: the task's
exception class name or a ``States.*`` name; ``Cause``: the Lambda error payload as JSON); for the encode
Map, every failed chunk. It returns ``kind`` and ``reason``, which the ``FailJob`` state's
``ErrorPath``/``CausePath`` make the execution's error and cause.
"""
from __future__ import annotations

import json

import media
from media import MediaError, layout

from . import config, exceptions, storage

#: Error name -> kind of every error a task raises that is about the input or the job, not transient:
#: the state machine's first ``Retrier`` lists exactly these names (tests check it).
FINAL_ERRORS: dict[str, str] = {
    cls.__name__: cls.kind
    for cls in (
        MediaError, media.errors.EmptyInputError, media.errors.NotAVideoError, media.errors.CorruptMediaError,
        media.errors.NoVideoStreamError, media.errors.UnsupportedFormatError, media.errors.LimitExceededError,
        media.errors.EncodeError, layout.InvalidJobRequestError, exceptions.InputNotFoundError,
        exceptions.WorkObjectMissingError, exceptions.JobIdConflictError,
    )
}


#: Error names of a task whose invocation ran out of time (the state's ``TimeoutSeconds``, or Lambda's own).
TIMED_OUT_ERRORS = ("States.Timeout", "Sandbox.Timedout")


def _message(error: dict) -> str:
    """The error's message: the Lambda payload's ``errorMessage``, else the cause as it is."""
    cause = error.get("Cause") or ""
    try:
        return str(json.loads(cause).get("errorMessage", cause))
    except (ValueError, AttributeError):
        return cause


def describe(stage: str, error: dict | None, failures: list[dict] | None) -> tuple[str, str]:
    """``(kind, reason)`` of a stage's caught ``error``, or of the first of the encode Map's ``failures``."""
    settings = config.current().settings
    if failures:
        first = min(failures, key=lambda failure: failure["index"])
        name, index = first["error"].get("Error"), first["index"]
        if name == exceptions.WorkObjectMissingError.__name__:
            return exceptions.WorkObjectMissingError.kind, _message(first["error"])
        reason = _message(first["error"])
        if name in TIMED_OUT_ERRORS:
            reason = "its encoder stopped before finishing (timeout or crash)"  # the baseline's words
        return exceptions.ChunkFailedError.kind, (
            f"chunk {index} failed after {settings.max_chunk_attempts} attempts: {reason}"
        )
    error = error or {}
    name = error.get("Error")
    if name in FINAL_ERRORS:
        return FINAL_ERRORS[name], _message(error)
    return exceptions.StageFailedError.kind, f"stage {stage} did not finish after {settings.max_stage_attempts} attempts"


def cleanup(event: dict, context: object = None) -> dict:
    job_id = layout.check_job_id(event.get("job_id"))
    kind, reason = describe(event.get("stage", ""), event.get("error"), event.get("failures"))
    deleted = storage.delete_prefix(config.current().bucket, layout.work_prefix(job_id))
    return {"kind": kind, "reason": reason, "deleted": deleted}
