"""The synthetic inputs the run-time section measures on, made with ffmpeg once and cached by their settings.

The default input is issue 5's "synthetic 20 s 720p video": 1280x720 at 30 fps with keyframes every 2 s,
so that 2 s chunks are cut by stream copy on both sides. The sweep input is long and small (320x180 at
16 fps, 32 s: 512 frames) with keyframes on every boundary of the finest chunking, so that each chunk
count of the sweep is cut the same way and only the number of chunks changes.
"""
from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import media
from media.synthetic import make_video

Log = Callable[[str], None]


@dataclass(frozen=True)
class SyntheticInput:
    seconds: float
    width: int
    height: int
    fps: int
    keyframe_seconds: float

    @property
    def frames(self) -> int:
        return round(self.seconds * self.fps)

    @property
    def file_name(self) -> str:
        keyframe_frames = round(self.keyframe_seconds * self.fps)
        return (f"synthetic-{self.seconds:g}s-{self.width}x{self.height}-{self.fps}fps-"
                f"gop{keyframe_frames}.mp4")

    def to_dict(self) -> dict:
        return {**asdict(self), "frames": self.frames}


DEFAULT_INPUT = SyntheticInput(seconds=20, width=1280, height=720, fps=30, keyframe_seconds=2.0)

_SWEEP_SECONDS, _SWEEP_FPS = 32, 16


def sweep_input_for(chunk_counts: tuple[int, ...]) -> SyntheticInput:
    """320x180, 16 fps, 32 s (512 frames), with a keyframe on every chunk boundary of every count, so that
    each count's chunks are cut by stream copy (a count that does not divide 512 rounds its chunk length,
    as ``media.plan_chunks`` does, and may come out a chunk or so off; the sweep uses the measured count)."""
    frames = _SWEEP_SECONDS * _SWEEP_FPS
    gop = math.gcd(*(max(1, round(frames / count)) for count in chunk_counts if count > 0)) or 1
    return SyntheticInput(seconds=_SWEEP_SECONDS, width=320, height=180, fps=_SWEEP_FPS,
                          keyframe_seconds=gop / _SWEEP_FPS)


def chunk_seconds_for(info: media.VideoInfo, chunks: int) -> float:
    """The chunk length that splits ``info`` into ``chunks`` chunks (``media.plan_chunks`` rounds a chunk's
    frames, so the count is exact when ``chunks`` divides the frame count)."""
    return info.frames / chunks / info.fps


def cached_input(spec: SyntheticInput, cache_dir: Path, log: Log | None = None) -> Path:
    """The input of ``spec`` in ``cache_dir``, made first if it is missing or unreadable."""
    path = Path(cache_dir) / spec.file_name
    if path.is_file():
        try:
            if media.probe(path).frames == spec.frames:
                return path
        except media.MediaError:
            pass
    path.parent.mkdir(parents=True, exist_ok=True)
    if log:
        log(f"making the input {path.name} (once; cached in {path.parent})")
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial.mp4")
    try:
        make_video(partial, seconds=spec.seconds, width=spec.width, height=spec.height, fps=spec.fps,
                   keyframe_seconds=spec.keyframe_seconds)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path
