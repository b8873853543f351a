"""Shared fixtures: small deterministic synthetic videos (a few seconds, 320x240), made once per session."""
from __future__ import annotations

from pathlib import Path

import pytest

from media.synthetic import make_audio_only, make_video


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def small_video(media_dir: Path) -> Path:
    """4 s, 320x240, 30 fps, H.264 + AAC, keyframes every 2 s: two 60-frame chunks at 2 s."""
    return Path(make_video(media_dir / "small.mp4", seconds=4, width=320, height=240, fps=30))


@pytest.fixture(scope="session")
def small_video_unaligned(media_dir: Path) -> Path:
    """5 s with x264's default GOP: keyframes off the 2 s chunk boundaries."""
    return Path(make_video(media_dir / "unaligned.mp4", seconds=5, keyframe_seconds=None))


@pytest.fixture(scope="session")
def silent_video(media_dir: Path) -> Path:
    return Path(make_video(media_dir / "silent.mp4", seconds=3, audio=False))


@pytest.fixture(scope="session")
def audio_only(media_dir: Path) -> Path:
    return Path(make_audio_only(media_dir / "audio.m4a"))


@pytest.fixture(scope="session")
def bad_inputs(media_dir: Path, small_video: Path) -> dict[str, Path]:
    """Inputs every pipeline must reject with a clear reason."""
    zero = media_dir / "zero.mp4"
    zero.write_bytes(b"")
    text = media_dir / "text.mp4"
    text.write_text("this is a text file with a video's name\n" * 20)
    truncated = media_dir / "truncated.mp4"
    data = small_video.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    long_video = Path(make_video(media_dir / "long.mp4", seconds=6, width=160, height=120, audio=False))
    return {"zero_bytes": zero, "text_named_mp4": text, "truncated_mp4": truncated, "long": long_video}
