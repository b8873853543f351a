"""Benchmark of the default report: the whole `python compare.py` (static analysis and both pipelines on
the default 20 s 1280x720 input; goal: under 60 s), and the per-pipeline ratios it measured (the whole
process against one monolithic encode of the same input, side by side; goal: 1.25x or less).

compare.py warms up before its timed runs (bytecode compiled, one tiny unmeasured job per pipeline), so
every run here starts warm; bench/bench_warmup.py measures what that changes in a fresh install.
The default input is made once and cached; the first run pays for it (about 4 s here) unless --warm makes
it first. With --overhead, the plain commands (`python -m baseline run VIDEO`, `python -m durable_ref run
VIDEO`) are also timed alternately with the measuring process compare.py times
(`python -m metrics.runtime.job_process`), to show what the measuring adds.

    python bench/bench_compare.py [--runs 1] [--warm] [--overhead] [--json]

Numbers from a shared 2-core machine are noisy: the load average is printed with each run.
"""
from __future__ import annotations

import argparse
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

OUT = REPO / "bench" / "out" / "compare"
GOAL_S = 60.0


def run_compare(out: Path) -> dict:
    started = time.perf_counter()
    load = os.getloadavg()[0]
    done = subprocess.run([sys.executable, "compare.py", "--out", str(out), "--quiet"], cwd=REPO,
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"compare.py failed ({done.returncode}):\n{done.stderr[-3000:]}")
    report = json.loads((out / "report.json").read_text())
    ratios = {name: {"process_s": e["runtime"]["monolithic"]["process_s"],
                     "monolithic_s": e["runtime"]["monolithic"]["seconds"],
                     "ratio": e["runtime"]["monolithic"]["ratio"],
                     "e2e_latency_s": e["runtime"]["e2e_latency_s"]}
              for name, e in report["implementations"].items()}
    return {"seconds": seconds, "load_before": load, "load_after": os.getloadavg()[0], "pipelines": ratios,
            "runtime_section_s": report["runtime"]["seconds"]}


def time_command(argv: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{argv} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def measuring_overhead(video: Path, runs: int) -> dict:
    """Alternately, per pipeline: the plain command and the measuring process, on the same input."""
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("baseline", "durable_ref"):
            plain, measured = [], []
            for _ in range(runs):
                plain.append(time_command([sys.executable, "-m", name, "run", str(video), "--json"]))
                measured.append(time_command([sys.executable, "-m", "metrics.runtime.job_process", "--name", name,
                                              "--package", name, "--chunk-seconds", "2.0",
                                              "--out", str(Path(tmp) / f"{name}.json"), str(video)]))
            results[name] = {"plain_s": plain, "measured_s": measured,
                             "median_difference_s": statistics.median(m - p for m, p in zip(measured, plain))}
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--warm", action="store_true", help="make the cached default input before timing")
    parser.add_argument("--overhead", action="store_true", help="also time the plain pipeline commands")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.warm:
        from metrics.report.inputs import DEFAULT_INPUT, cached_input

        cached_input(DEFAULT_INPUT, OUT / "inputs")
    runs = [run_compare(OUT) for _ in range(args.runs)]
    result = {"goal_s": GOAL_S, "runs": runs, "median_s": statistics.median(r["seconds"] for r in runs)}
    if args.overhead:
        from metrics.report.inputs import DEFAULT_INPUT, cached_input

        result["overhead"] = measuring_overhead(cached_input(DEFAULT_INPUT, OUT / "inputs"), args.runs)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    for index, run in enumerate(runs, start=1):
        met = "met" if run["seconds"] < GOAL_S else "NOT met"
        print(f"run {index}: python compare.py {run['seconds']:.1f} s (goal < {GOAL_S:.0f} s: {met}; run-time "
              f"section {run['runtime_section_s']:.1f} s; load average {run['load_before']:.1f} -> "
              f"{run['load_after']:.1f})")
        for name, figures in run["pipelines"].items():
            print(f"  {name:12s} process {figures['process_s']:6.2f} s / monolithic {figures['monolithic_s']:6.2f} s "
                  f"= {figures['ratio']:.2f}x (goal <= 1.25x); job {figures['e2e_latency_s']:.2f} s")
    for name, figures in result.get("overhead", {}).items():
        print(f"measuring overhead, {name}: plain command {statistics.median(figures['plain_s']):.2f} s, "
              f"measuring process {statistics.median(figures['measured_s']):.2f} s "
              f"(median difference {figures['median_difference_s']:+.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
