"""``python -m durable_ref run``: JSON output, exit codes, no traceback for bad input."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import media


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "durable_ref", "run", *args], capture_output=True, text=True, timeout=300)


def test_run_prints_the_job_as_json(small_video: Path, tmp_path: Path) -> None:
    completed = run_cli(str(small_video), "--chunk-seconds", "1", "--output", str(tmp_path / "out.mp4"), "--json")

    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["status"] == "SUCCEEDED" and result["error"] is None
    assert result["chunks"] == 4 and result["input_frames"] == result["output_frames"] == 120
    assert result["output"] == str(tmp_path / "out.mp4") and media.count_frames(tmp_path / "out.mp4") == 120
    assert result["duration_s"] > 0 and result["invocations"] >= 2 and result["operations"] > 0
    assert completed.stderr == ""


def test_bad_video_fails_with_reason_and_exit_1(bad_inputs: dict[str, Path]) -> None:
    completed = run_cli(str(bad_inputs["text_named_mp4"]))

    assert completed.returncode == 1
    assert completed.stdout.startswith("FAILED job ")
    assert "(not_a_video): input is not a video file that ffmpeg can read" in completed.stdout
    assert "Traceback" not in completed.stdout + completed.stderr


def test_usage_errors_exit_2(tmp_path: Path, small_video: Path) -> None:
    missing = run_cli(str(tmp_path / "absent.mp4"))
    bad_chunks = run_cli(str(small_video), "--chunk-seconds", "0")

    assert (missing.returncode, bad_chunks.returncode) == (2, 2)
    assert "is not a file" in missing.stderr and "must be greater than 0" in bad_chunks.stderr
    assert "Traceback" not in missing.stderr + bad_chunks.stderr
