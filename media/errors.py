"""Typed errors of the media core.

Every error a bad input can cause is a ``MediaError`` with a message a user can act on; the pipelines
record ``str(error)`` as the job's failure reason and never show a traceback for them.
"""
from __future__ import annotations


class MediaError(Exception):
    """Base class: something about the media itself is wrong or could not be processed."""

    #: Short machine-readable kind, recorded beside the message in job state.
    kind = "media_error"


class EmptyInputError(MediaError):
    kind = "empty_input"


class NotAVideoError(MediaError):
    """The bytes are not a media container ffmpeg can open (text, an image, random bytes)."""

    kind = "not_a_video"


class CorruptMediaError(MediaError):
    """A recognisable container that is truncated or damaged."""

    kind = "corrupt_media"


class NoVideoStreamError(MediaError):
    """The container opens but holds no video stream (audio only, subtitles)."""

    kind = "no_video_stream"


class UnsupportedFormatError(MediaError):
    """Container or codec outside the configured allow-lists."""

    kind = "unsupported_format"


class LimitExceededError(MediaError):
    """Duration, resolution or size over the configured limits."""

    kind = "limit_exceeded"


class EncodeError(MediaError):
    """ffmpeg failed while splitting, encoding or assembling."""

    kind = "encode_failed"
