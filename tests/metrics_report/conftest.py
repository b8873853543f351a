"""One real compare.py run of both pipelines on a tiny input (2 s, 160x120, 4 chunks of 0.5 s), with a
two-point sweep and a price override, each implementation priced at its template's memory sizes and retention
periods: the run-time tests read its report.json, report.html, report.md and what it printed."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from media.synthetic import make_video

REPO = Path(__file__).resolve().parents[2]
COMPARE = REPO / "compare.py"
CHUNK_SECONDS = 0.5
CHUNKS = 4  # 60 frames in chunks of 15
SWEEP_CHUNKS = (2, 4)
#: The override file changes one price (S3 PUT: $0.01 per 1,000 instead of $0.005).
S3_PUT_OVERRIDE_USD = 0.01 / 1000


@dataclass(frozen=True)
class CompareRun:
    out: Path
    report: dict
    stdout: str
    stderr: str
    seconds: float
    returncode: int


@pytest.fixture(scope="session")
def tiny_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 s, 160x120, 30 fps, AAC, keyframes every 0.5 s: 4 chunks (or 2 of 1 s) cut by stream copy."""
    return Path(make_video(tmp_path_factory.mktemp("tiny") / "tiny.mp4", seconds=2, width=160, height=120,
                           fps=30, keyframe_seconds=CHUNK_SECONDS))


@pytest.fixture(scope="session")
def price_override(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("prices") / "prices.json"
    path.write_text(json.dumps({"prices": {"s3_put_request": {"usd": 0.01, "per": 1000}}}))
    return path


def compare(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(COMPARE), *args], capture_output=True, text=True, cwd=REPO,
                          timeout=timeout)


@pytest.fixture(scope="session")
def runtime_run(tiny_video: Path, price_override: Path, tmp_path_factory: pytest.TempPathFactory) -> CompareRun:
    out = tmp_path_factory.mktemp("runtime-report")
    started = time.perf_counter()
    done = compare("--input", str(tiny_video), "--chunk-seconds", str(CHUNK_SECONDS), "--sweep",
                   "--sweep-chunks", ",".join(map(str, SWEEP_CHUNKS)), "--sweep-input", str(tiny_video),
                   "--prices", str(price_override), "--out", str(out))
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    return CompareRun(out, report, done.stdout, done.stderr, seconds, done.returncode)


@pytest.fixture(scope="session")
def baseline_rt(runtime_run: CompareRun) -> dict:
    return runtime_run.report["implementations"]["baseline"]["runtime"]


@pytest.fixture(scope="session")
def durable_rt(runtime_run: CompareRun) -> dict:
    return runtime_run.report["implementations"]["durable_ref"]["runtime"]
