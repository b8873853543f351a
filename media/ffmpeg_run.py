"""Run ffmpeg (through ffmpeg-python's argument builder) and turn failures into ``EncodeError``."""
from __future__ import annotations

import subprocess
from typing import Sequence

import ffmpeg

from .config import ffmpeg_binary
from .errors import EncodeError


def run_stream(stream: "ffmpeg.nodes.OutputStream", *, what: str) -> None:
    """Run an ffmpeg-python output stream quietly; raise ``EncodeError`` with ffmpeg's last words."""
    args = ffmpeg.compile(stream, cmd=ffmpeg_binary(), overwrite_output=True)
    run_args(args, what=what)


def run_args(args: Sequence[str], *, what: str) -> bytes:
    """Run an ffmpeg argument list, returning stdout; ``args[0]`` is the binary."""
    args = [args[0], "-hide_banner", "-nostdin", "-loglevel", "error", *args[1:]]
    completed = subprocess.run(args, capture_output=True, check=False)
    if completed.returncode != 0:
        tail = completed.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise EncodeError(f"{what} failed (ffmpeg exit {completed.returncode}): {' | '.join(tail)}")
    return completed.stdout
