"""``python -m metrics.runtime.job_process --name N --package P --chunk-seconds S --out FILE VIDEO``:
one job of an implementation, measured, in a process of its own.

It runs ``P.local.run_local`` inside :func:`metrics.runtime.measure_run` and writes what that returned
(``counts`` as ``OperationCounts.to_dict()``) to FILE; compare.py times the whole process
(``metrics.report.pipeline_process``). It imports the implementation and this package only, so the
process is the implementation's own command (``python -m P run VIDEO``) plus the measuring: the botocore
counter, the state sampler (at most 5% of the time) and, on the durable side, the checkpoint sizes by
operation type (:mod:`metrics.runtime.checkpoint_sizes`). With ``--progress`` the implementation's progress
lines (stage changes, chunks n/N) go to stderr.
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, Callable

#: Sampling external state (a scan of the table and a listing of the bucket on moto) may take at most
#: this share of a job's time, the same for every implementation (see ``StateSampler``).
SAMPLER_MAX_BUSY_FRACTION = 0.05

#: The durable SDK and its runner log every failed step with a traceback; a failed job is reported from
#: its result instead (the durable CLI silences them the same way).
_NOISY_LOGGERS = ("aws_durable_execution_sdk_python", "aws_durable_execution_sdk_python_testing")


def progress_callback(name: str, local: Any) -> Callable:
    """What the implementation's ``run_local(progress=...)`` takes: its own ``Progress`` class when it has
    one (the baseline's prints stage changes and chunks n/N), else a callable taking one line of text."""
    progress_class = getattr(local, "Progress", None)
    if isinstance(progress_class, type):
        return progress_class(sys.stderr)
    return lambda line: print(f"{name}: {line}", file=sys.stderr, flush=True)


def measure_job(name: str, package: str, video: Path, chunk_seconds: float, progress: bool) -> dict[str, Any]:
    """One measured job, as JSON-ready data."""
    from media import PipelineSettings

    from .checkpoint_sizes import (
        largest_limited_payload, payload_bytes_by_execution, payloads_by_type, watching_execution_stores,
    )
    from .measure import measure_run

    local = importlib.import_module(f"{package}.local")
    settings = dataclasses.replace(PipelineSettings(), chunk_seconds=chunk_seconds)
    extra = {"progress": progress_callback(name, local)} if progress else {}
    with watching_execution_stores() as stores:
        measured = measure_run(local.run_local, video, settings=settings,
                               sample_max_busy_fraction=SAMPLER_MAX_BUSY_FRACTION, **extra)
    if stores:
        by_type = payloads_by_type(stores)
        measured["result"]["checkpoint_payloads_by_type"] = by_type
        # What the 256 KB checkpoint limit applies to (a map's larger result is replayed instead).
        measured["result"]["largest_checkpoint_bytes"] = largest_limited_payload(by_type)
        measured["result"]["checkpoint_payload_bytes_by_execution"] = payload_bytes_by_execution(stores)
    return {**measured, "counts": measured["counts"].to_dict()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m metrics.runtime.job_process", description=__doc__.splitlines()[1])
    parser.add_argument("video", type=Path)
    parser.add_argument("--name", required=True, help="the implementation's name in the report")
    parser.add_argument("--package", required=True, help="its package, e.g. baseline (with local.run_local)")
    parser.add_argument("--chunk-seconds", type=float, required=True)
    parser.add_argument("--out", type=Path, required=True, help="where to write the measurements (JSON)")
    parser.add_argument("--progress", action="store_true", help="progress lines on stderr")
    args = parser.parse_args(argv)
    for logger in _NOISY_LOGGERS:
        logging.getLogger(logger).setLevel(logging.CRITICAL + 1)
    measured = measure_job(args.name, args.package, args.video, args.chunk_seconds, args.progress)
    partial = args.out.with_name(args.out.name + ".partial")
    partial.write_text(json.dumps(measured), encoding="utf-8")
    os.replace(partial, args.out)
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # As the pipelines' own commands do: skip the interpreter's teardown of boto3's, moto's and the SDK's
    # module graph (0.3-1 s), which is no part of the job.
    os._exit(code)
