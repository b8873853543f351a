"""What can go wrong in the durable pipeline beyond the media core's own errors.

Each carries a ``kind`` like ``media.MediaError`` does; the execution's history records the class name,
from which a caller reads the kind back.
"""
from __future__ import annotations

from media import MediaError


class InputNotFoundError(MediaError):
    """The job names an input object that is not in the bucket."""

    kind = "input_not_found"


class ChunkFailedError(MediaError):
    """A chunk's encode failed on every attempt its retry strategy allowed."""

    kind = "chunk_failed"
