"""`python -m metrics.static PATH [--exclude GLOB ...] [--no-default-excludes]`: the static figures of one
directory as JSON on stdout (what report.json holds as implementations.NAME.static, without the per-line
source view)."""
from __future__ import annotations

import argparse
import json
import sys

from .config import DEFAULT_EXCLUDES, StaticConfig
from .figures import static_figures
from .implementation import ImplementationNotFoundError, analyze_implementation


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m metrics.static", description=__doc__)
    parser.add_argument("path")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB")
    parser.add_argument("--no-default-excludes", action="store_true")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: by file count)")
    args = parser.parse_args(argv)
    excludes = (() if args.no_default_excludes else DEFAULT_EXCLUDES) + tuple(args.exclude)
    try:
        analysis = analyze_implementation(args.path, args.path, StaticConfig(excludes=excludes, workers=args.workers))
    except ImplementationNotFoundError as error:
        print(f"python -m metrics.static: error: {error}", file=sys.stderr)
        return 2
    json.dump(static_figures(analysis), sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
