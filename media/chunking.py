"""Split a video into fixed-duration chunks whose frames add up exactly to the input's.

Chunks are cut by stream copy with the segment muxer at frame numbers, which is exact and takes
milliseconds when the source has keyframes on the chunk boundaries. When it does not (x264's default
GOP of 250 frames, say), stream copy can only cut at keyframes, so the source is first re-encoded once
losslessly (x264 ``-qp 0``, which decodes to the same pixels) with keyframes forced on the boundaries.
Either way every chunk holds exactly its planned frames, which ``split`` verifies.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from .errors import EncodeError
from .ffmpeg_run import run_stream
from .probe import VideoInfo, count_frames

CHUNK_SUFFIX = ".mkv"


@dataclass(frozen=True)
class ChunkSpec:
    index: int
    start_frame: int
    frames: int


def plan_chunks(total_frames: int, fps: float, chunk_seconds: float) -> list[ChunkSpec]:
    """Chunks of ``round(chunk_seconds * fps)`` frames; the last one takes the remainder."""
    if chunk_seconds <= 0:
        raise ValueError("chunk_seconds must be positive")
    per_chunk = max(1, round(chunk_seconds * fps))
    count = max(1, math.ceil(total_frames / per_chunk))
    return [
        ChunkSpec(index=i, start_frame=i * per_chunk, frames=min(per_chunk, total_frames - i * per_chunk))
        for i in range(count)
    ]


def keyframes_aligned(info: VideoInfo, plan: list[ChunkSpec]) -> bool:
    keyframes = set(info.keyframes)
    return all(chunk.start_frame in keyframes for chunk in plan)


def split(source: str | os.PathLike, info: VideoInfo, out_dir: str | os.PathLike, chunk_seconds: float) -> list[Path]:
    """Write one file per planned chunk into ``out_dir`` and return their paths in order."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = plan_chunks(info.frames, info.fps, chunk_seconds)
    cut_source = Path(source)
    if not keyframes_aligned(info, plan):
        cut_source = out_dir / "_mezzanine.mkv"
        _reencode_with_boundary_keyframes(Path(source), cut_source, plan)
    paths = _segment(cut_source, out_dir, plan)
    if cut_source != Path(source):
        cut_source.unlink(missing_ok=True)
    for chunk, path in zip(plan, paths):
        got = count_frames(path)
        if got != chunk.frames:
            raise EncodeError(f"chunk {chunk.index} has {got} frames, expected {chunk.frames}")
    return paths


def _segment(source: Path, out_dir: Path, plan: list[ChunkSpec]) -> list[Path]:
    pattern = out_dir / f"chunk_%05d{CHUNK_SUFFIX}"
    options = {"map": "0:v:0", "c": "copy", "f": "segment", "reset_timestamps": 1, "segment_format": "matroska"}
    if len(plan) > 1:
        options["segment_frames"] = ",".join(str(chunk.start_frame) for chunk in plan[1:])
    run_stream(ffmpeg.input(str(source)).output(str(pattern), **options), what="splitting into chunks")
    paths = sorted(out_dir.glob(f"chunk_*{CHUNK_SUFFIX}"))
    if len(paths) != len(plan):
        raise EncodeError(f"splitting produced {len(paths)} chunks, expected {len(plan)}")
    return paths


def _reencode_with_boundary_keyframes(source: Path, target: Path, plan: list[ChunkSpec]) -> None:
    per_chunk = plan[0].frames
    stream = ffmpeg.input(str(source)).output(
        str(target),
        map="0:v:0",
        vcodec="libx264",
        preset="ultrafast",
        qp=0,
        force_key_frames=f"expr:eq(mod(n,{per_chunk}),0)",
        fps_mode="passthrough",
        an=None,
    )
    run_stream(stream, what="re-encoding the source with keyframes on chunk boundaries")
