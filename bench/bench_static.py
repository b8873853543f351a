"""Benchmark of the static analysis, side by side with the tools it builds on.

1. `python compare.py --static-only` on this repository (goal: under 3 s), whole process, wall time.
2. On a large installed package (botocore by default): our whole analysis (`python -m metrics.static DIR
   --no-default-excludes`, one process and the default fan-out; the data-flow resolution of calls
   included) against `radon raw -j`, `radon cc -j` and `lizard` run one after another on the same
   directory, interleaved run by run; medians of wall and CPU time (goal: within 2x of the three tools).
   With --with-libcst, also what one libcst parse with line positions of the same files costs (the reason
   the analysis uses `ast`, see README.md, section 'The static comparison').

    python bench/bench_static.py [--runs 3] [--package botocore | --path DIR] [--with-libcst] [--json]
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed(command: list[str], cwd: Path = REPO) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system of the child) and stdout of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # lizard exits 1 when a function exceeds its warning thresholds
        raise RuntimeError(f"{command} failed: {done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done.stdout


def bench_repo(runs: int) -> dict:
    walls = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(runs):
            wall, _, _ = timed([sys.executable, "compare.py", "--static-only", "--out", out])
            walls.append(wall)
    return {"runs": runs, "median_s": round(statistics.median(walls), 3), "all_s": [round(w, 3) for w in walls],
            "goal_s": 3.0}


def bench_package(path: Path, runs: int) -> dict:
    ours_one = [sys.executable, "-m", "metrics.static", str(path), "--no-default-excludes", "--workers", "1"]
    ours_auto = [sys.executable, "-m", "metrics.static", str(path), "--no-default-excludes"]
    tools = [[sys.executable, "-m", "radon", "raw", "-j", str(path)],
             [sys.executable, "-m", "radon", "cc", "-j", str(path)], [sys.executable, "-m", "lizard", str(path)]]
    samples: dict[str, list[tuple[float, float]]] = {"ours_1_process": [], "ours_default": [], "three_tools": []}
    files = {}
    for _ in range(runs):
        wall, cpu, out = timed(ours_one)
        samples["ours_1_process"].append((wall, cpu))
        files["ours"] = json.loads(out)["files"]
        samples["ours_default"].append(timed(ours_auto)[:2])
        total_wall = total_cpu = 0.0
        for index, command in enumerate(tools):
            wall, cpu, out = timed(command)
            total_wall += wall
            total_cpu += cpu
            if index == 0:
                files["radon"] = len(json.loads(out))
        samples["three_tools"].append((total_wall, total_cpu))
    result = {"path": str(path), "runs": runs, "files": files}
    for name, values in samples.items():
        result[name] = {"median_wall_s": round(statistics.median(v[0] for v in values), 3),
                        "median_cpu_s": round(statistics.median(v[1] for v in values), 3)}
    result["ours_1_process_vs_tools_wall"] = round(
        result["ours_1_process"]["median_wall_s"] / result["three_tools"]["median_wall_s"], 3)
    result["ours_1_process_vs_tools_cpu"] = round(
        result["ours_1_process"]["median_cpu_s"] / result["three_tools"]["median_cpu_s"], 3)
    result["goal_vs_tools"] = 2.0  # issue 11: within 2x of the three tools run one after another
    return result


def bench_libcst(path: Path) -> dict:
    """One libcst parse plus line positions (PositionProvider) of every file, in this process."""
    import libcst
    from libcst.metadata import MetadataWrapper, PositionProvider

    sources = [p.read_text(encoding="utf-8") for p in sorted(path.rglob("*.py"))]
    start = time.process_time()
    for source in sources:
        MetadataWrapper(libcst.parse_module(source), unsafe_skip_copy=True).resolve(PositionProvider)
    return {"libcst_parse_and_positions_cpu_s": round(time.process_time() - start, 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--package", default="botocore", help="an installed package to analyse")
    parser.add_argument("--path", type=Path, help="a directory to analyse instead of --package")
    parser.add_argument("--with-libcst", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    path = args.path or Path(importlib.util.find_spec(args.package).origin).parent
    result = {"cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2),
              "repository": bench_repo(args.runs), "package": bench_package(path, args.runs)}
    if args.with_libcst:
        result["package"].update(bench_libcst(path))
    result["load_average_1m_after"] = round(os.getloadavg()[0], 2)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    repo = result["repository"]
    print(f"compare.py --static-only on this repository: median {repo['median_s']} s over {repo['runs']} runs "
          f"(goal < {repo['goal_s']} s)")
    package = result["package"]
    print(f"{package['path']} ({package['files']['ours']} files; radon saw {package['files']['radon']}), "
          f"medians of {package['runs']} interleaved runs:")
    print(f"  {'':34} {'wall s':>8} {'cpu s':>8}")
    for name, label in (("ours_1_process", "our analysis, 1 process"), ("ours_default", "our analysis, default"),
                        ("three_tools", "radon raw + radon cc + lizard")):
        print(f"  {label:34} {package[name]['median_wall_s']:8.2f} {package[name]['median_cpu_s']:8.2f}")
    print(f"  ours (1 process) / three tools, wall: {package['ours_1_process_vs_tools_wall']}, "
          f"cpu: {package['ours_1_process_vs_tools_cpu']} (goal <= {package['goal_vs_tools']})")
    if "libcst_parse_and_positions_cpu_s" in package:
        print(f"  libcst parse + positions alone (cpu s): {package['libcst_parse_and_positions_cpu_s']}")
    print(f"load average (1 min) before/after: {result['load_average_1m']} / {result['load_average_1m_after']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
