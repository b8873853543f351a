"""Benchmark: the whole ``python -m baseline run`` and ``python -m durable_ref run`` processes against one
monolithic ffmpeg encode of the same input, side by side in one run (goal: each within 1.25x).

The input is the report's default (20 s, 1280x720, 30 fps, keyframes every 2 s), made once and cached
beside ``compare.py``'s. Each round times three things back to back, in an order that rotates from round
to round so that a drift in the machine's load favours none: ``media.encode_whole`` of the input (the
same x264 preset and crf, x264 free to use every core: ``threads=0``), and each pipeline's CLI as a
subprocess (interpreter start, moto, upload, the four stages, ten 2 s chunks encoded one per core). A
round's ratios compare the pipelines with the encode of the same round; the figures quoted are the
medians of those ratios. The happy path's operations per chunk come from the CLIs' own JSON: the
baseline's DynamoDB, S3 and Lambda calls, the durable side's operations and checkpointed bytes.

Before the first round, the project's bytecode is compiled and each CLI runs once, untimed, on a 1 s
160x120 input (``metrics.report.runtime_warmup``), so that the first round does not pay for compilation
and cold disk reads alone; ``--no-warm-up`` skips that.

Where the difference goes is printed too: the process outside the job (interpreter, imports, moto,
upload, exit) and the encode stage against the monolithic encode. ``--seconds`` makes a longer input of
the same kind, to show how the fixed part of the overhead amortises.

    python bench/bench_pipelines.py [--runs 5] [--seconds 20 | --input VIDEO] [--no-warm-up] [--json]

Numbers from a shared 2-core machine are noisy: the load average is printed with each round.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import media  # noqa: E402
from metrics.report.inputs import DEFAULT_INPUT, cached_input  # noqa: E402

GOAL_RATIO = 1.25
PIPELINES = ("baseline", "durable_ref")
STAGES = ("validate", "chunk", "encode", "assemble")
CACHE = REPO / "bench" / "out" / "compare" / "inputs"


def time_pipeline(name: str, video: Path) -> tuple[float, dict]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", name, "run", str(video), "--json"], cwd=REPO,
                          capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{name} run failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-3000:]}")
    return elapsed, json.loads(done.stdout)


def time_monolithic(video: Path, target: Path) -> float:
    started = time.perf_counter()
    media.encode_whole(video, target, media.PipelineSettings().encode, threads=0)
    return time.perf_counter() - started


def warm_up() -> None:
    """Compile the bytecode and run each CLI once on a tiny input, untimed."""
    from metrics.report.options import DEFAULT_COMMON, DEFAULT_IMPLEMENTATIONS, REPO_ROOT
    from metrics.report.runtime_warmup import SUPPORT_PACKAGES, WARM_UP_INPUT, compile_bytecode

    packages = [path for _, path in DEFAULT_IMPLEMENTATIONS + DEFAULT_COMMON]
    packages += [REPO_ROOT / p for p in SUPPORT_PACKAGES]
    compile_s = compile_bytecode(packages)
    tiny = cached_input(WARM_UP_INPUT, CACHE)
    seconds = {name: time_pipeline(name, tiny)[0] for name in PIPELINES}
    print(f"warm-up (untimed): bytecode {compile_s:.1f} s, "
          + ", ".join(f"{name} {s:.1f} s" for name, s in seconds.items()), file=sys.stderr)


def run_round(index: int, video: Path, workdir: Path) -> dict:
    subjects = ["monolithic", *PIPELINES]
    order = subjects[index % 3:] + subjects[:index % 3]
    load = os.getloadavg()[0]
    seconds: dict[str, float] = {}
    jobs: dict[str, dict] = {}
    for subject in order:
        if subject == "monolithic":
            seconds[subject] = time_monolithic(video, workdir / "monolithic.mp4")
        else:
            seconds[subject], jobs[subject] = time_pipeline(subject, video)
            if jobs[subject]["status"] != "SUCCEEDED":
                raise SystemExit(f"{subject} did not succeed: {jobs[subject]}")
    ratios = {name: seconds[name] / seconds["monolithic"] for name in PIPELINES}
    print(f"round {index + 1} ({' > '.join(order)}; load {load:.1f}): monolithic {seconds['monolithic']:.2f} s, "
          + ", ".join(f"{name} {seconds[name]:.2f} s = {ratios[name]:.2f}x" for name in PIPELINES), file=sys.stderr)
    return {"order": order, "load_average": round(load, 2), "seconds": {k: round(v, 3) for k, v in seconds.items()},
            "ratios": {k: round(v, 3) for k, v in ratios.items()}, "jobs": jobs}


def per_chunk(job: dict, name: str) -> dict:
    chunks = job["chunks"]
    if name == "baseline":
        calls = job["storage_calls"]
        by_service: dict[str, int] = {}
        for operation, count in calls.items():
            service = operation.split(".")[0]
            by_service[service] = by_service.get(service, 0) + count
        return {"chunks": chunks, "calls": dict(sorted(calls.items())),
                "per_chunk": {service: round(n / chunks, 2) for service, n in sorted(by_service.items())}}
    return {"chunks": chunks, "operations_by_type": job["operations_by_type"],
            "per_chunk": {"durable_operations": round(job["operations"] / chunks, 2),
                          "checkpoint_calls": round(job["checkpoint_calls"] / chunks, 2),
                          "checkpoint_bytes": round(job["checkpoint_bytes"] / chunks, 1),
                          "checkpoint_payload_bytes": round(job["checkpoint_payload_bytes"] / chunks, 1)},
            "orchestrator_invocations": job["invocations"]}


def summarise(rounds: list[dict]) -> dict:
    summary: dict = {"goal_ratio": GOAL_RATIO, "rounds": len(rounds),
                     "monolithic_median_s": round(statistics.median(r["seconds"]["monolithic"] for r in rounds), 3)}
    for name in PIPELINES:
        ratio = statistics.median(r["ratios"][name] for r in rounds)
        jobs = [r["jobs"][name] for r in rounds]
        summary[name] = {
            "process_median_s": round(statistics.median(r["seconds"][name] for r in rounds), 3),
            "ratio_median": round(ratio, 3),
            "ratios": [r["ratios"][name] for r in rounds],
            "goal_met": ratio <= GOAL_RATIO,
            "job_median_s": round(statistics.median(job["duration_s"] for job in jobs), 3),
            # Interpreter start, imports, moto, the upload, reading the result and exit.
            "outside_job_median_s": round(statistics.median(
                r["seconds"][name] - r["jobs"][name]["duration_s"] for r in rounds), 3),
            "encode_stage_over_monolithic_median": round(statistics.median(
                r["jobs"][name]["stage_latency_s"]["encode"] / r["seconds"]["monolithic"] for r in rounds), 3),
            "stage_latency_s_median": {
                stage: round(statistics.median(job["stage_latency_s"][stage] for job in jobs), 3) for stage in STAGES
            },
            "operations": per_chunk(jobs[-1], name),
        }
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="rounds of the three measurements (default 5)")
    parser.add_argument("--seconds", type=float, help="a synthetic input of this length, made like the default")
    parser.add_argument("--input", type=Path, metavar="VIDEO", help="another input (default: the report's)")
    parser.add_argument("--no-warm-up", action="store_true", help="let the first round start cold")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.input is not None and not args.input.is_file():
        parser.error(f"--input {args.input} is not a file")
    if args.seconds is not None and (args.input is not None or not 0 < args.seconds <= 600):
        parser.error("--seconds takes a length from 0 to 600 s, and not with --input")
    spec = DEFAULT_INPUT if args.seconds is None else dataclasses.replace(DEFAULT_INPUT, seconds=args.seconds)
    video = args.input or cached_input(spec, CACHE, log=lambda line: print(line, file=sys.stderr))
    if not args.no_warm_up:
        warm_up()
    with tempfile.TemporaryDirectory() as tmp:
        rounds = [run_round(index, video, Path(tmp)) for index in range(args.runs)]
    summary = {"input": str(video), **summarise(rounds), "per_round": rounds}
    if args.json:
        for round_ in summary["per_round"]:
            round_.pop("jobs")
        print(json.dumps(summary, indent=1))
        return 0
    print(f"monolithic ffmpeg encode (threads=0): median {summary['monolithic_median_s']:.2f} s over {len(rounds)} rounds")
    for name in PIPELINES:
        figures = summary[name]
        met = "met" if figures["goal_met"] else "NOT met"
        print(f"{name:12s} process median {figures['process_median_s']:.2f} s; ratio to the same round's encode: "
              f"median {figures['ratio_median']:.2f}x (goal <= {GOAL_RATIO}x: {met}), rounds {figures['ratios']}")
        print(f"{'':12s} job {figures['job_median_s']:.2f} s, outside it {figures['outside_job_median_s']:.2f} s; "
              f"encode stage {figures['encode_stage_over_monolithic_median']:.2f}x the monolithic encode; "
              f"stage medians {figures['stage_latency_s_median']}")
        print(f"{'':12s} per chunk on the happy path: {figures['operations']['per_chunk']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
