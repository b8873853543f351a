"""What can go wrong in the Step Functions pipeline beyond the media core's own errors.

A Lambda task's error name is its exception's class name (the Python runtime's ``errorType``): the state
machine's ``Retry`` lists these names, and the failure path maps them back to their ``kind``. Messages and
kinds are the baseline's, word for word.
"""
from __future__ import annotations

from media import MediaError


class InputNotFoundError(MediaError):
    """The job names an input object that is not in the bucket."""

    kind = "input_not_found"


class ChunkFailedError(MediaError):
    """A chunk's encode failed on every attempt its Retry allowed."""

    kind = "chunk_failed"


class StageFailedError(MediaError):
    """A stage failed on every attempt its Retry allowed (transient errors: S3, disk, network)."""

    kind = "stage_failed"


class WorkObjectMissingError(MediaError):
    """A chunk or encoded part is gone from S3 while its job still needs it; not retried."""

    kind = "work_object_missing"


class JobIdConflictError(MediaError):
    """The job id already names a job of another input."""

    kind = "job_id_conflict"
