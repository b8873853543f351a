"""Compare implementations of the video pipeline and write report.html, report.json and report.md.

    python compare.py [--impl NAME=PATH ...] [--common NAME=PATH ...] [--out DIR] [--static-only]
                      [--exclude GLOB ...]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from metrics.report import ReportOptions, build_report, summary_table, write_report
from metrics.report.options import DEFAULT_COMMON, DEFAULT_IMPLEMENTATIONS, DEFAULT_OUT
from metrics.static import DEFAULT_EXCLUDES, ImplementationNotFoundError


def _named_path(text: str) -> tuple[str, Path]:
    name, sep, path = text.partition("=")
    if not sep or not name or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {text!r}")
    return name, Path(path)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python compare.py",
        description="Measure implementations of the video pipeline side by side and write "
                    "report.html (self-contained), report.json and report.md.",
        epilog="Today the report holds the static comparison (size, cyclomatic and cognitive complexity, "
               "Halstead volume, maintainability index, error-handling and state-handling findings, "
               "per stage and per line). --static-only skips the run-time measurements; until the "
               "run-time section exists, a run without it writes the same static report.",
    )
    defaults = ", ".join(f"{n}={p.name}" for n, p in DEFAULT_IMPLEMENTATIONS)
    parser.add_argument("--impl", action="append", type=_named_path, metavar="NAME=PATH",
                        help=f"an implementation to compare (repeatable; the first is the reference); "
                             f"any directory of Python code. Default: {defaults}")
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
    args = parser.parse_args(argv)
    names = [name for name, _ in args.impl or ()]
    if len(set(names)) != len(names):
        parser.error("each --impl needs its own NAME")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    excludes = (() if args.no_default_excludes else DEFAULT_EXCLUDES) + tuple(args.exclude)
    options = ReportOptions(
        implementations=tuple(args.impl) if args.impl else DEFAULT_IMPLEMENTATIONS,
        common=tuple(args.common) if args.common else DEFAULT_COMMON,
        out_dir=args.out,
        excludes=excludes,
        static_only=args.static_only,
    )
    for name, path in options.implementations + options.common:
        if not path.exists():
            print(f"compare.py: error: {name}: path {str(path)!r} does not exist", file=sys.stderr)
            return 2
    try:
        state = build_report(options)
    except ImplementationNotFoundError as error:
        print(f"compare.py: error: {error}", file=sys.stderr)
        return 2
    paths = write_report(state)
    print(summary_table(state.report))
    for comparison in state.report.get("summary", {}).get("comparisons", []):
        for sentence in comparison["sentences"]:
            print(f"* {sentence}")
    print(f"wrote {paths['html']}, {paths['json'].name}, {paths['md'].name} "
          f"in {time.perf_counter() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
