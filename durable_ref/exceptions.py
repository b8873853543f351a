"""What can go wrong in the durable pipeline beyond the media core's own errors.

Each carries a ``kind`` like ``media.MediaError`` does; the execution's history records the class name,
from which a caller reads the kind back. The messages and kinds are the baseline's, word for word.
"""
from __future__ import annotations

from media import MediaError


class InputNotFoundError(MediaError):
    """The job names an input object that is not in the bucket."""

    kind = "input_not_found"


class ChunkFailedError(MediaError):
    """A chunk's encode failed on every attempt its retry strategy allowed."""

    kind = "chunk_failed"


class StageFailedError(MediaError):
    """A stage failed on every attempt its retry strategy allowed (transient errors: S3, disk, network)."""

    kind = "stage_failed"


class WorkObjectMissingError(MediaError):
    """A chunk or encoded part is gone from S3 while its job still needs it; another attempt cannot bring
    it back, so it is not retried."""

    kind = "work_object_missing"


class JobIdConflictError(MediaError):
    """The job id already names a job of another input (its published output says which input)."""

    kind = "job_id_conflict"
