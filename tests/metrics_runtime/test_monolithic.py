"""The monolithic reference encode: timed, frame-checked, and the ratio the goal is stated in."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from media import PipelineSettings
from metrics.runtime.monolithic import measure_monolithic, ratio_to_monolithic, time_process


def test_monolithic_encode_keeps_every_frame(small_video: Path) -> None:
    result = measure_monolithic(small_video, PipelineSettings())
    assert result["frames"] == 120 and result["threads"] == 0
    assert 0 < result["seconds"] < 30


def test_ratio() -> None:
    assert ratio_to_monolithic(5.0, 4.0) == 1.25
    with pytest.raises(ValueError):
        ratio_to_monolithic(1.0, 0.0)


def test_time_process_reports_wall_time_and_exit_code() -> None:
    done = time_process([sys.executable, "-c", "import time, sys; time.sleep(0.2); print('ok'); sys.exit(3)"])
    assert done["returncode"] == 3 and done["stdout"] == "ok\n"
    assert 0.2 <= done["seconds"] < 10
