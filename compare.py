"""Compare implementations of the video pipeline and write report.html, report.json and report.md.

    python compare.py [--impl NAME=PATH ... | --all] [--common NAME=PATH ...] [--out DIR] [--static-only]
                      [--exclude GLOB ...] [--input VIDEO] [--chunk-seconds S] [--repeat N] [--sweep]
                      [--prices FILE] [--memory-mb MB] [--retention-days D]

By default the report compares baseline, durable_ref and, when its directory exists, stepfunctions_ref (the
first is the reference); --all compares every implementation found in the repository (a package with a
template.yaml and a local harness). The report holds the static comparison and the run-time comparison:
every pipeline runs the same job on the same input (a synthetic 20 s 1280x720 video, made once and cached), each beside a
monolithic encode of that input. --sweep adds the chunk-count sweep and the projection to ExCamera's scale.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from metrics.report import ReportOptions, build_report, summary_table, write_report
from metrics.report.options import (
    DEFAULT_COMMON,
    DEFAULT_IMPLEMENTATIONS,
    DEFAULT_OUT,
    DEFAULT_SWEEP_CHUNKS,
    RuntimeOptions,
    discovered_implementations,
)
from metrics.report.pipeline_process import PipelineProcessError
from metrics.report.recovery_section import RecoveryOptions
from metrics.report.runtime_section import RuntimeSetupError, check_options
from metrics.report.terminal import runtime_table
from metrics.static import DEFAULT_EXCLUDES, ImplementationNotFoundError


def _named_path(text: str) -> tuple[str, Path]:
    name, sep, path = text.partition("=")
    if not sep or not name or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {text!r}")
    return name, Path(path)


def _bounded(kind: type, low: float, high: float | None = None):
    """An argparse type: a number of ``kind`` within [low, high]."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not (math.isfinite(value) and value >= low and (high is None or value <= high)):
            bounds = f"at least {low:g}" if high is None else f"{low:g} to {high:g}"
            raise argparse.ArgumentTypeError(f"must be {bounds}, got {text}")
        return value
    return parse


def _positive(text: str) -> float:
    value = _bounded(float, 0)(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def _chunk_counts(text: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected chunk counts such as 4,16,64,256, got {text!r}") from None
    if any(count < 1 for count in counts) or len(set(counts)) < 2:
        raise argparse.ArgumentTypeError("need two or more different chunk counts, each at least 1")
    return counts


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python compare.py",
        description="Measure implementations of the video pipeline side by side and write "
                    "report.html (self-contained), report.json and report.md.",
        epilog="The report holds the static comparison (size, complexity, error- and state-handling findings) "
               "and, unless --static-only, the run-time comparison: latency per stage and per chunk, storage "
               "operations, external state bytes and cost of one job per implementation, with the whole "
               "process timed against one monolithic encode of the same input. Progress goes to stderr.",
    )
    defaults = ", ".join(f"{n}={p.name}" for n, p in DEFAULT_IMPLEMENTATIONS)
    parser.add_argument("--impl", action="append", type=_named_path, metavar="NAME=PATH",
                        help=f"an implementation to compare (repeatable; the first is the reference); "
                             f"any directory of Python code (to run it, a package with local.run_local). "
                             f"Default: {defaults} (and stepfunctions_ref when its directory exists)")
    parser.add_argument("--all", action="store_true", dest="all_implementations",
                        help="compare every implementation found in the repository (a package with a "
                             "template.yaml and a local harness), the known ones first")
    parser.add_argument("--common", action="append", type=_named_path, metavar="NAME=PATH",
                        help="shared code measured separately as common ground (repeatable). "
                             f"Default: {', '.join(f'{n}={p.name}' for n, p in DEFAULT_COMMON)}")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                        help="output directory (default: reports/out/)")
    parser.add_argument("--static-only", action="store_true",
                        help="only the static analysis, no pipeline runs")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                        help="exclude files whose path relative to an implementation matches GLOB, at any "
                             f"depth (repeatable; added to the defaults: {' '.join(DEFAULT_EXCLUDES)})")
    parser.add_argument("--no-default-excludes", action="store_true",
                        help="analyse the local harness and tests too")
    runtime = parser.add_argument_group("run-time comparison")
    runtime.add_argument("--input", type=Path, metavar="VIDEO",
                         help="the video every pipeline encodes (default: a synthetic 20 s 1280x720 30 fps "
                              "video with keyframes every 2 s, made once and cached under --cache-dir)")
    runtime.add_argument("--chunk-seconds", type=_positive, default=2.0, metavar="S",
                         help="chunk length in seconds (default: 2)")
    runtime.add_argument("--repeat", type=_bounded(int, 1), default=1, metavar="N",
                         help="run each pipeline N times and report medians and spread (default: 1)")
    runtime.add_argument("--sweep", action="store_true",
                         help="also run every pipeline at several chunk counts (a longer 320x180 input), fit "
                              "the per-chunk figures and project them to ExCamera's 3,552 chunks (minutes)")
    runtime.add_argument("--sweep-chunks", type=_chunk_counts, default=DEFAULT_SWEEP_CHUNKS, metavar="N,N,...",
                         help=f"chunk counts of the sweep (default: {','.join(map(str, DEFAULT_SWEEP_CHUNKS))})")
    runtime.add_argument("--sweep-input", type=Path, metavar="VIDEO",
                         help="the sweep's video (default: synthetic, 32 s 320x180 16 fps)")
    runtime.add_argument("--prices", type=Path, metavar="FILE",
                         help="price overrides (JSON, same shape as metrics/runtime/prices.json; may hold some "
                              "entries only)")
    runtime.add_argument("--memory-mb", type=_bounded(int, 128, 10240), metavar="MB",
                         help="price every function's compute at this Lambda memory size (default: each "
                              "function's MemorySize in its implementation's template.yaml)")
    runtime.add_argument("--retention-days", type=_bounded(float, 1, 90), metavar="D",
                         help="days all workflow state is kept: DynamoDB items (TTL), work/ objects and durable "
                              "execution history (1-90; default: each template's RETENTION_DAYS, work/ "
                              "lifecycle rule and DurableConfig.RetentionPeriodInDays)")
    runtime.add_argument("--cache-dir", type=Path, metavar="DIR",
                         help="where synthetic inputs are cached (default: OUT/inputs)")
    runtime.add_argument("--no-warm-up", action="store_true",
                         help="skip the unmeasured warm-up (bytecode compiled, one tiny job per implementation) "
                              "that makes every timed run start warm; the first run then pays for it")
    runtime.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    recovery = parser.add_argument_group("failure recovery")
    faults = recovery.add_mutually_exclusive_group()
    faults.add_argument("--faults", action="store_true",
                        help="run the full crash-point matrix (a crash before and after every storage operation "
                             "of every handler and durable operation) and every fault kind (duplicates, events "
                             "out of order, throttling, a poison chunk, bad input) on both pipelines (minutes)")
    faults.add_argument("--no-faults", action="store_true",
                        help="skip the small sample of crash points the default run includes")
    args = parser.parse_args(argv)
    names = [name for name, _ in args.impl or ()]
    if len(set(names)) != len(names):
        parser.error("each --impl needs its own NAME")
    if args.all_implementations and args.impl:
        parser.error("--all and --impl exclude each other")
    return args


def _implementations(args: argparse.Namespace) -> tuple[tuple[str, Path], ...]:
    if args.impl:
        return tuple(args.impl)
    return discovered_implementations() if args.all_implementations else DEFAULT_IMPLEMENTATIONS


def options_from(args: argparse.Namespace) -> ReportOptions:
    excludes = (() if args.no_default_excludes else DEFAULT_EXCLUDES) + tuple(args.exclude)
    return ReportOptions(
        implementations=_implementations(args),
        common=tuple(args.common) if args.common else DEFAULT_COMMON,
        out_dir=args.out,
        excludes=excludes,
        static_only=args.static_only,
        runtime=RuntimeOptions(
            input=args.input, chunk_seconds=args.chunk_seconds, repeat=args.repeat, sweep=args.sweep,
            sweep_chunks=args.sweep_chunks, sweep_input=args.sweep_input, prices=args.prices,
            memory_mb=args.memory_mb, retention_days=args.retention_days, cache_dir=args.cache_dir,
            progress=not args.quiet, warm_up=not args.no_warm_up,
        ),
        extra={"recovery": RecoveryOptions(mode="full" if args.faults else "off" if args.no_faults else "sample")},
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    options = options_from(args)
    for name, path in options.implementations + options.common:
        if not path.exists():
            print(f"compare.py: error: {name}: path {str(path)!r} does not exist", file=sys.stderr)
            return 2
    try:
        check_options(options)
        state = build_report(options)
    except (ImplementationNotFoundError, RuntimeSetupError) as error:
        print(f"compare.py: error: {error}", file=sys.stderr)
        return 2
    except PipelineProcessError as error:
        print(f"compare.py: a pipeline run broke down, no report written: {error}", file=sys.stderr)
        return 1
    paths = write_report(state)
    print(summary_table(state.report))
    if "runtime" in state.report:
        print()
        print(runtime_table(state.report))
    summary = state.report.get("summary", {})
    for comparison in summary.get("comparisons", []):
        for sentence in comparison["sentences"]:
            print(f"* {sentence}")
    for key in ("rq2", "rq4"):
        answer = summary.get("runtime", {}).get(key)
        if answer:
            print(f"{answer['question']}")
            for sentence in answer["sentences"]:
                print(f"* {sentence}")
    print(f"wrote {paths['html']}, {paths['json'].name}, {paths['md'].name} "
          f"in {time.perf_counter() - started:.2f} s")
    failed = [name for name, entry in state.report["implementations"].items()
              if entry.get("runtime", {}).get("status") not in (None, "SUCCEEDED")]
    if failed:
        print(f"compare.py: the job of {', '.join(failed)} did not succeed (see the report)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
