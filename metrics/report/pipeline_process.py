"""One measured pipeline job in a process of its own, timed as a whole.

:func:`run_measured_process` starts ``python -m metrics.runtime.job_process`` and times it from start to
exit; the child runs the implementation's ``local.run_local`` inside
:func:`metrics.runtime.measure_run` (botocore counter on the job's Session, state sampled every 0.25 s or
less often, so that sampling takes at most 5% of the time) and writes the measurements to a JSON file. So one job gives both the whole-process time (for the ratio
to a monolithic encode) and its storage operations and state bytes, and the default report fits in its
time budget. The process does what ``python -m <impl> run VIDEO`` does (start the interpreter, import,
start moto, upload, run the job, wait) plus the measuring, so its time is an upper bound of the CLI's.

Progress lines from the child (stage changes, chunks n/N) pass through to the parent's stderr as they come.
"""
from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

_STDERR_TAIL_LINES = 30
#: The child: it imports only the implementation and metrics.runtime, not this package (jinja2, radon,
#: lizard would add a quarter of a second to the process it times).
CHILD_MODULE = "metrics.runtime.job_process"
_REPO_ROOT = Path(__file__).resolve().parents[2]


class PipelineProcessError(RuntimeError):
    """The measuring process ended without writing its measurements (a crash, not a failed job)."""


@dataclass(frozen=True)
class MeasuredProcess:
    #: Wall time of the whole process, start to exit.
    seconds: float
    #: What :func:`metrics.runtime.measure_run` returned, with ``counts`` as an ``OperationCounts``.
    measured: dict


def run_measured_process(
    name: str,
    package_dir: Path,
    video: Path,
    *,
    chunk_seconds: float,
    progress: bool = True,
    stream: TextIO = sys.stderr,
    min_line_interval_s: float = 0.0,
    timeout_s: float = 1800.0,
) -> MeasuredProcess:
    """Run one job of the implementation in ``package_dir`` (a package with ``local.run_local``) in a new
    process, and return the process's wall time and the job's measurements. Progress lines are passed on
    to ``stream``, at most one per ``min_line_interval_s`` (a sweep's 256 chunks would flood it)."""
    from metrics.runtime import OperationCounts

    package_dir = Path(package_dir).resolve()
    env = dict(os.environ)
    paths = [str(package_dir.parent), str(_REPO_ROOT), env.get("PYTHONPATH")]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(filter(None, paths)))
    with tempfile.TemporaryDirectory(prefix="measured-") as tmp:
        out = Path(tmp) / "measured.json"
        argv = [sys.executable, "-m", CHILD_MODULE, "--name", name, "--package", package_dir.name,
                "--chunk-seconds", repr(chunk_seconds), "--out", str(out)]
        if progress:
            argv.append("--progress")
        argv.append(str(Path(video).resolve()))
        started = time.perf_counter()
        tail = _run_forwarding_stderr(argv, env, stream if progress else None, min_line_interval_s, timeout_s)
        seconds = time.perf_counter() - started
        if not out.is_file():
            raise PipelineProcessError(f"{name}: the measuring process wrote no measurements; its stderr ended "
                                       f"with:\n" + "".join(tail))
        measured = json.loads(out.read_text(encoding="utf-8"))
    measured["counts"] = OperationCounts.from_dict(measured["counts"])
    return MeasuredProcess(seconds=seconds, measured=measured)


def _run_forwarding_stderr(argv: list[str], env: dict, stream: TextIO | None, min_interval_s: float,
                           timeout_s: float) -> list[str]:
    tail: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL_LINES)
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               bufsize=1)
    watchdog = threading.Timer(timeout_s, process.kill)  # a hung job must not hang the report
    watchdog.start()
    last_shown = float("-inf")
    try:
        for line in process.stderr:
            tail.append(line)
            if stream is not None and time.monotonic() - last_shown >= min_interval_s:
                stream.write(line)
                stream.flush()
                last_shown = time.monotonic()
        process.wait()
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
    if process.returncode < 0:
        tail.append(f"(killed by signal {-process.returncode}; the limit is {timeout_s:.0f} s)\n")
    return list(tail)
