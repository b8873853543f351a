"""Check a probed video against the configured limits."""
from __future__ import annotations

from .config import Limits
from .errors import LimitExceededError, UnsupportedFormatError
from .probe import VideoInfo


def check_limits(info: VideoInfo, limits: Limits) -> None:
    """Raise a typed error naming the first limit ``info`` breaks."""
    if info.container not in limits.allowed_containers:
        raise UnsupportedFormatError(
            f"container {info.container!r} is not allowed (allowed: {', '.join(sorted(limits.allowed_containers))})"
        )
    if info.video_codec not in limits.allowed_codecs:
        raise UnsupportedFormatError(
            f"video codec {info.video_codec!r} is not allowed (allowed: {', '.join(sorted(limits.allowed_codecs))})"
        )
    if info.size_bytes > limits.max_bytes:
        raise LimitExceededError(f"input is {info.size_bytes} bytes, over the limit of {limits.max_bytes}")
    if info.duration_s > limits.max_duration_s:
        raise LimitExceededError(
            f"input lasts {info.duration_s:.2f} s, over the limit of {limits.max_duration_s:g} s"
        )
    if info.width > limits.max_width or info.height > limits.max_height:
        raise LimitExceededError(
            f"resolution {info.width}x{info.height} is over the limit of {limits.max_width}x{limits.max_height}"
        )
