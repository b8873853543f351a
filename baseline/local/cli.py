"""``python -m baseline run VIDEO [--chunk-seconds S] [--output PATH] [--json] [--endpoint-url URL]``.

Exit status: 0 when the job succeeded, 1 when it failed, 2 on a usage error.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from media import PipelineSettings


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m baseline", description="The explicit-state pipeline, run locally.")
    commands = root.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="upload VIDEO, run the whole job locally and wait for it")
    run.add_argument("video", type=Path, metavar="VIDEO")
    run.add_argument("--chunk-seconds", type=_positive, default=PipelineSettings().chunk_seconds, metavar="S")
    run.add_argument("--output", type=Path, metavar="PATH", help="write the output video here")
    run.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    run.add_argument("--endpoint-url", metavar="URL", help="S3 and DynamoDB endpoint (e.g. moto's server)")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not args.video.is_file():
        parser().error(f"VIDEO {args.video} is not a file")
    from .run import Progress, run_local

    settings = dataclasses.replace(PipelineSettings(), chunk_seconds=args.chunk_seconds)
    result = run_local(
        args.video, settings=settings, output=args.output, endpoint_url=args.endpoint_url,
        progress=None if args.json else Progress(),
    )
    if args.json:
        print(json.dumps(result))
    elif result["status"] == "SUCCEEDED":
        print(f"SUCCEEDED {result['job_id']}: {result['chunks']} chunks, {result['input_frames']} -> "
              f"{result['output_frames']} frames in {result['duration_s']:.2f} s; output: {result['output'] or result['output_key']}")
    else:
        print(f"FAILED {result['job_id']}: {result['error']}", file=sys.stderr)
    return 0 if result["status"] == "SUCCEEDED" else 1
