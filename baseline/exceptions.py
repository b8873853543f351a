"""What can go wrong in the baseline beyond the media core's own errors, named for what went wrong.

The state errors carry the item as it was when a conditional write was refused (DynamoDB returns it with
``ReturnValuesOnConditionCheckFailure``), so a handler decides what to do next without another read.
"""
from __future__ import annotations

from typing import Any

from media import MediaError


class InputNotFoundError(MediaError):
    """The job names an input object that is not in the bucket."""

    kind = "input_not_found"


class ChunkFailedError(MediaError):
    """A chunk's encode failed on every attempt allowed."""

    kind = "chunk_failed"


class StageFailedError(MediaError):
    """A stage's invocation died (timeout, out of memory) on every attempt allowed."""

    kind = "stage_failed"


class WorkObjectMissingError(MediaError):
    """An object the job needs is gone: usually because its job ended and was cleaned up meanwhile; while
    the job still runs, a loss (S3 reads its writes, so it is not coming back)."""

    kind = "work_object_missing"


class JobIdConflictError(MediaError):
    """The job id is already used for another input (the published output records which)."""

    kind = "job_id_conflict"


class StateConflictError(Exception):
    """A conditional write was refused; ``current`` is the item as it is now (None if there is none)."""

    def __init__(self, message: str, current: Any = None) -> None:
        super().__init__(message)
        self.current = current


class ClaimRejectedError(StateConflictError):
    """Another invocation holds the work, or the work is already done, failed or out of attempts."""


class LeaseLostError(StateConflictError):
    """A write fenced by this invocation's lease found the lease gone: another invocation took over."""


class ChunkAlreadyCountedError(StateConflictError):
    """The job has already counted this chunk as done (or is no longer running)."""
