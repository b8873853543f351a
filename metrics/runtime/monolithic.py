"""One monolithic ffmpeg encode of the whole input: the reference the pipelines' wall time is divided by."""
from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

import media
from media import PipelineSettings


def measure_monolithic(video: str | os.PathLike, settings: PipelineSettings = PipelineSettings(), *,
                       threads: int = 0) -> dict[str, Any]:
    """Time ``media.encode_whole`` of ``video`` with the pipelines' encoder settings and x264 choosing its
    threads (``threads=0``), as one ffmpeg process would run it; the output is checked frame for frame
    against the input's count and then discarded."""
    source = Path(video)
    expected = media.probe(source).frames
    with tempfile.TemporaryDirectory(prefix="monolithic-") as tmp:
        target = Path(tmp) / "whole.mp4"
        started = time.perf_counter()
        media.encode_whole(source, target, settings.encode, threads=threads)
        seconds = time.perf_counter() - started
        frames = media.count_frames(target)
    if frames != expected:
        raise media.EncodeError(f"monolithic encode wrote {frames} frames, expected {expected}")
    return {"seconds": seconds, "threads": threads, "frames": frames, "input": str(source)}


def ratio_to_monolithic(pipeline_seconds: float, monolithic_seconds: float) -> float:
    """Pipeline wall time over the monolithic encode's (the goal is 1.25 or less)."""
    if monolithic_seconds <= 0:
        raise ValueError(f"monolithic time must be > 0, got {monolithic_seconds}")
    return pipeline_seconds / monolithic_seconds


def time_process(argv: Sequence[str], *, timeout_s: float = 600.0, cwd: str | os.PathLike | None = None) -> dict[str, Any]:
    """Wall time of a whole process (``python -m baseline run VIDEO``, say), start-up included, measured the
    same way as the monolithic encode so that the two can be set side by side."""
    started = time.perf_counter()
    completed = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout_s, cwd=cwd, check=False)
    return {"seconds": time.perf_counter() - started, "returncode": completed.returncode,
            "stdout": completed.stdout, "stderr": completed.stderr[-4000:]}
