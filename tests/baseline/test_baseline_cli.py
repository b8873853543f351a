"""``python -m baseline run``: exit codes, JSON fields, progress, and no traceback for a bad video."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import media

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "baseline", *args], cwd=REPO, capture_output=True, text=True, timeout=300)


def test_run_succeeds_writes_the_output_and_reports_progress(small_video, tmp_path) -> None:
    output = tmp_path / "nested" / "out.mp4"
    done = _run("run", str(small_video), "--output", str(output), "--chunk-seconds", "1")
    assert done.returncode == 0, done.stderr
    assert media.count_frames(output) == media.probe(small_video).frames
    assert "stage encode" in done.stderr and "chunks done 4/4" in done.stderr
    assert done.stdout.startswith("SUCCEEDED job-")


def test_run_json_reports_a_bad_video_as_a_failed_job_without_a_traceback(bad_inputs) -> None:
    done = _run("run", str(bad_inputs["text_named_mp4"]), "--json")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and done.stderr == ""
    result = json.loads(done.stdout)
    assert {"status", "error", "job_id", "chunks", "input_frames", "output_frames", "duration_s", "output"} <= set(result)
    assert (result["status"], result["error_kind"], result["output"]) == ("FAILED", "not_a_video", None)
    assert result["error"] == "input is not a video file that ffmpeg can read"


def test_usage_errors_exit_2(tmp_path) -> None:
    assert _run("run", str(tmp_path / "missing.mp4")).returncode == 2
    assert _run("run", str(tmp_path), "--chunk-seconds", "0").returncode == 2
    assert _run("frobnicate").returncode == 2
