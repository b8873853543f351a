"""Frame-level fingerprints, so two outputs can be compared frame by frame."""
from __future__ import annotations

import os

from .config import ffmpeg_binary
from .ffmpeg_run import run_args


def framemd5(path: str | os.PathLike) -> list[str]:
    """MD5 of every decoded video frame of ``path``, in order (ffmpeg's framemd5 muxer)."""
    out = run_args(
        [ffmpeg_binary(), "-i", os.fspath(path), "-map", "0:v:0", "-f", "framemd5", "-"], what="framemd5"
    )
    return [line.rsplit(",", 1)[1].strip() for line in out.decode().splitlines() if line and not line.startswith("#")]
