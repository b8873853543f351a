"""Benchmark of compare.py's warm-up: the first and the second report in a fresh virtualenv, with and
without the warm-up.

For each mode (``cold``: ``--no-warm-up``; ``warm``: the default), the repository's files (as
``git ls-files`` lists them, with their working-tree contents) are copied to a new directory, a new
virtualenv installs it (``pip install -e``, as README.md's set-up does), and ``python compare.py
--no-faults`` runs twice in it. No bytecode of the project exists before the first run. Each run's
report gives every pipeline's whole-process time, its job's time (submission to outcome) and the ratio to
the monolithic encode timed beside it; the first run against the second shows what being first costs.

    python bench/bench_warmup.py [--modes cold,warm] [--json]

It takes a few minutes (two installs, four reports). Numbers from a shared 2-core machine are noisy:
the load average is printed with each run.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PIPELINES = ("baseline", "durable_ref")
MODES = {"cold": ["--no-warm-up"], "warm": []}


def copy_checkout(target: Path) -> None:
    """The tracked files with their working-tree contents: a checkout that has never run."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=True)
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def fresh_install(workdir: Path) -> tuple[Path, Path, float]:
    repo, venv = workdir / "repo", workdir / "venv"
    repo.mkdir(parents=True)
    copy_checkout(repo)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "-e", str(repo)], check=True,
                   stdout=subprocess.DEVNULL)
    return repo, venv / "bin" / "python", time.perf_counter() - started


def run_report(python: Path, repo: Path, out: Path, cache: Path, extra: list[str]) -> dict:
    load = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run([str(python), "compare.py", "--no-faults", "--quiet", "--cache-dir", str(cache),
                           "--out", str(out), *extra], cwd=repo, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"compare.py failed ({done.returncode}):\n{done.stderr[-3000:]}")
    report = json.loads((out / "report.json").read_text())
    row = {"compare_s": round(seconds, 2), "load_average": round(load, 2),
           "warm_up": report["runtime"]["warm_up"]}
    for name in PIPELINES:
        runtime = report["implementations"][name]["runtime"]
        row[name] = {"process_s": round(runtime["process_s"], 2), "job_s": round(runtime["e2e_latency_s"], 2),
                     "outside_job_s": round(runtime["process_s"] - runtime["e2e_latency_s"], 2),
                     "monolithic_s": round(runtime["monolithic"]["seconds"], 2),
                     "ratio": round(runtime["monolithic"]["ratio"], 2)}
    return row


def bench_mode(mode: str, workdir: Path, cache: Path) -> dict:
    repo, python, install_s = fresh_install(workdir / mode)
    print(f"{mode}: fresh checkout and virtualenv installed in {install_s:.0f} s", file=sys.stderr)
    runs = []
    for run in (1, 2):
        row = run_report(python, repo, workdir / mode / f"out{run}", cache, MODES[mode])
        runs.append(row)
        print(f"{mode} run {run} (load {row['load_average']:.1f}): compare.py {row['compare_s']:.1f} s; "
              + "; ".join(f"{name} process {row[name]['process_s']:.2f} s, job {row[name]['job_s']:.2f} s, "
                          f"{row[name]['ratio']:.2f}x the monolithic encode" for name in PIPELINES),
              file=sys.stderr)
    return {"install_s": round(install_s, 1), "runs": runs,
            "first_over_second": {name: {key: round(runs[0][name][key] / runs[1][name][key], 2)
                                         for key in ("process_s", "ratio")} for name in PIPELINES}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default="cold,warm", help="comma-separated: cold (--no-warm-up), warm")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    modes = [m for m in args.modes.split(",") if m]
    unknown = sorted(set(modes) - set(MODES))
    if unknown or not modes:
        parser.error(f"unknown mode(s) {unknown}; choose from {sorted(MODES)}")
    with tempfile.TemporaryDirectory(prefix="bench-warmup-") as tmp:
        workdir = Path(tmp)
        cache = workdir / "inputs"
        results = {mode: bench_mode(mode, workdir, cache) for mode in modes}
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        for mode, result in results.items():
            for name in PIPELINES:
                first, second = (run[name] for run in result["runs"])
                print(f"{mode:5} {name:12} process {first['process_s']:6.2f} s then {second['process_s']:6.2f} s "
                      f"(outside the job {first['outside_job_s']:.2f} then {second['outside_job_s']:.2f}); "
                      f"ratio {first['ratio']:.2f}x then {second['ratio']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
