"""Settings shared by both pipelines: limits on inputs, encoder settings and chunking.

Both pipelines take the same frozen dataclasses so that a comparison runs them on identical terms.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

#: Container names as reported by libavformat, mapped to the short names used in limits and reports.
CONTAINER_ALIASES: dict[str, str] = {
    "mov,mp4,m4a,3gp,3g2,mj2": "mp4",
    "matroska,webm": "matroska",
    "avi": "avi",
    "mpegts": "mpegts",
}


@dataclass(frozen=True)
class Limits:
    """What the validate stage accepts."""

    max_duration_s: float = 900.0
    max_width: int = 3840
    max_height: int = 2160
    max_bytes: int = 4 * 1024**3
    allowed_containers: frozenset[str] = frozenset({"mp4", "matroska", "avi", "mpegts"})
    allowed_codecs: frozenset[str] = frozenset(
        {"h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "mpeg2video", "mjpeg", "prores"}
    )


@dataclass(frozen=True)
class EncodeSettings:
    """libx264 settings for every chunk; identical settings give identical frames."""

    codec: str = "libx264"
    preset: str = "veryfast"
    crf: int = 28
    #: x264 threads per chunk encode; 0 lets x264 choose. One thread per parallel worker is the fast
    #: setting on a 2-core machine (see ../shared/FACTS.md).
    threads: int = 1
    pix_fmt: str = "yuv420p"


@dataclass(frozen=True)
class PipelineSettings:
    """Everything both pipelines must agree on to be compared."""

    chunk_seconds: float = 2.0
    limits: Limits = field(default_factory=Limits)
    encode: EncodeSettings = field(default_factory=EncodeSettings)
    #: Attempts per chunk encode (first try included) before the job fails.
    max_chunk_attempts: int = 3
    #: Attempts for the non-media stages (validate, chunk, assemble) on transient errors.
    max_stage_attempts: int = 3


def ffmpeg_binary() -> str:
    """The ffmpeg to run: ``$FFMPEG_BINARY`` if set, else the static build shipped by imageio-ffmpeg."""
    override = os.environ.get("FFMPEG_BINARY")
    if override:
        return override
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()
