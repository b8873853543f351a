"""Fixtures of the Step Functions reference's tests."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import boto3
import pytest

from local_aws import atomic_mock_aws, make_session
from media.synthetic import make_video


@pytest.fixture
def session() -> Iterator[boto3.Session]:
    """A Session on moto in process, kept open after the run so a test can look at the bucket."""
    with atomic_mock_aws():
        yield make_session()


@pytest.fixture(scope="session")
def tiny_video(media_dir: Path) -> Path:
    """2 s, 160x120, 30 fps, keyframes every second: two 30-frame chunks at 1 s."""
    return Path(make_video(media_dir / "sfn-tiny.mp4", seconds=2, width=160, height=120, fps=30, keyframe_seconds=1))
