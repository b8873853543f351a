"""Deterministic synthetic test videos made with ffmpeg's lavfi sources (testsrc2 and a sine tone)."""
from __future__ import annotations

import os

from .config import ffmpeg_binary
from .ffmpeg_run import run_args


def make_video(
    path: str | os.PathLike,
    *,
    seconds: float = 4.0,
    width: int = 320,
    height: int = 240,
    fps: int = 30,
    audio: bool = True,
    keyframe_seconds: float | None = 2.0,
) -> str:
    """Write an H.264/AAC mp4. ``keyframe_seconds=None`` keeps x264's default GOP (keyframes off the chunk
    boundaries); a number places keyframes exactly every that many seconds."""
    path = os.fspath(path)
    args = [
        ffmpeg_binary(), "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}",
    ]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    args += ["-map", "0:v"] + (["-map", "1:a", "-c:a", "aac", "-b:a", "96k"] if audio else [])
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-threads", "1", "-pix_fmt", "yuv420p"]
    if keyframe_seconds is not None:
        gop = max(1, round(keyframe_seconds * fps))
        args += ["-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0"]
    args += ["-fflags", "+bitexact", "-movflags", "+faststart", path]
    run_args(args, what="making a synthetic video")
    return path


def make_audio_only(path: str | os.PathLike, seconds: float = 2.0) -> str:
    path = os.fspath(path)
    run_args(
        [ffmpeg_binary(), "-y", "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac", path],
        what="making an audio-only file",
    )
    return path
