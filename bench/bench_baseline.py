"""Benchmark: the whole ``python -m baseline run`` process against one monolithic ffmpeg encode.

Makes a 20 s 1280x720 30 fps input (keyframes every 2 s), then times, alternating, N runs of each:
the baseline CLI as a subprocess (interpreter start, moto, the four handlers, ten 2 s chunks encoded
two at a time) and ``media.encode_whole`` of the same file with the same x264 settings (threads=0).
Prints the medians and their ratio (goal: <= 1.25x), and, as a floor, the same chunks encoded by bare
ffmpeg one per core with no pipeline around them; then runs the job once more in process with a
botocore hook on its Session to count DynamoDB, S3 and Lambda operations per chunk on the happy path.

    python bench/bench_baseline.py [--runs 3] [--seconds 20] [--json]

Numbers from a shared 2-core machine are noisy: compare the two columns of one run, not runs.
"""
from __future__ import annotations

import argparse
import collections
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import media  # noqa: E402
from media.synthetic import make_video  # noqa: E402


def time_baseline_cli(video: Path) -> tuple[float, dict]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "baseline", "run", str(video), "--json"], cwd=REPO,
                          capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"baseline run failed:\n{done.stdout}\n{done.stderr}")
    return elapsed, json.loads(done.stdout)


def time_monolithic(video: Path, target: Path) -> float:
    started = time.perf_counter()
    media.encode_whole(video, target, media.EncodeSettings(), threads=0)
    return time.perf_counter() - started


def time_chunked_floor(video: Path, workdir: Path) -> float:
    """The encoding strategy alone: the same chunks encoded by bare ffmpeg, one per core at a time, with
    no pipeline around them. The baseline can only be as fast as this; the gap is pipeline overhead."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    chunks = sorted((workdir / "chunks").glob("chunk_*.mkv"))
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(lambda c: media.encode_chunk(c, c.with_suffix(".mp4"), media.EncodeSettings()), chunks))
    return time.perf_counter() - started


def count_operations(video: Path) -> tuple[dict, dict]:
    """One in-process run with every boto3 call of its Session counted. The harness makes its set-up and
    read-back calls through an uncounted twin Session, so the count is the job's: the handlers' calls
    plus the client's upload of the input, which is left out here to give the pipeline's own."""
    from baseline.local import run_local
    from local_aws import atomic_mock_aws, make_session

    calls: collections.Counter = collections.Counter()

    def count(model, **_):  # type: ignore[no-untyped-def]
        calls[f"{model.service_model.service_name}.{model.name}"] += 1

    with atomic_mock_aws():
        session = make_session()
        session.events.register("before-call", count)
        result = run_local(video, session=session)
    if result["status"] != "SUCCEEDED":
        raise SystemExit(f"in-process run failed: {result}")
    calls["s3.PutObject"] -= 1  # the client's upload of the input
    # Invokes go through the in-process invoker, not botocore: take them from the handlers' tallies.
    calls["lambda.Invoke"] = result["storage_calls"].get("lambda.Invoke", 0)
    return dict(calls), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "input_720p.mp4"
        make_video(video, seconds=args.seconds, width=1280, height=720, fps=30, keyframe_seconds=2)
        media.split(video, media.probe(video), Path(tmp) / "chunks", media.PipelineSettings().chunk_seconds)
        baseline_s, monolithic_s, floor_s, jobs = [], [], [], []
        for run in range(args.runs):
            # Alternate which side goes first, so a change in the machine's load hits both alike.
            if run % 2:
                monolithic_s.append(time_monolithic(video, Path(tmp) / "monolithic.mp4"))
            elapsed, result = time_baseline_cli(video)
            baseline_s.append(elapsed)
            jobs.append(result)
            if not run % 2:
                monolithic_s.append(time_monolithic(video, Path(tmp) / "monolithic.mp4"))
            floor_s.append(time_chunked_floor(video, Path(tmp)))
            print(f"run {run + 1}: baseline {baseline_s[-1]:.2f} s (job {result['duration_s']:.2f} s), "
                  f"monolithic {monolithic_s[-1]:.2f} s, bare chunk encodes {floor_s[-1]:.2f} s", file=sys.stderr)
        operations, result = count_operations(video)
    chunks = result["chunks"]
    by_service = collections.Counter()
    for name, n in operations.items():
        by_service[name.split(".")[0]] += n
    report = {
        "input": f"{args.seconds:g} s 1280x720 30 fps, chunks of {media.PipelineSettings().chunk_seconds:g} s",
        "runs": args.runs,
        "baseline_process_s": [round(s, 3) for s in baseline_s],
        "monolithic_s": [round(s, 3) for s in monolithic_s],
        "baseline_median_s": round(statistics.median(baseline_s), 3),
        "monolithic_median_s": round(statistics.median(monolithic_s), 3),
        "ratio": round(statistics.median(baseline_s) / statistics.median(monolithic_s), 3),
        # Each run's pair was measured back to back: their ratio is less exposed to load changes.
        "ratio_per_run": [round(b / m, 3) for b, m in zip(baseline_s, monolithic_s)],
        "ratio_per_run_median": round(statistics.median(b / m for b, m in zip(baseline_s, monolithic_s)), 3),
        "bare_chunk_encodes_s": [round(s, 3) for s in floor_s],
        "bare_chunk_encodes_median_s": round(statistics.median(floor_s), 3),
        "stage_latency_s_median": {
            stage: round(statistics.median(job["stage_latency_s"][stage] for job in jobs), 3)
            for stage in ("validate", "chunk", "encode", "assemble")
        },
        "chunks": chunks,
        "operations": dict(sorted(operations.items())),
        "operations_per_chunk": {service: round(n / chunks, 2) for service, n in sorted(by_service.items())},
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"baseline process: median {report['baseline_median_s']:.2f} s  {report['baseline_process_s']}")
        print(f"monolithic ffmpeg: median {report['monolithic_median_s']:.2f} s  {report['monolithic_s']}")
        print(f"ratio: {report['ratio']:.2f}x (goal <= 1.25x); per run {report['ratio_per_run']}, "
              f"median {report['ratio_per_run_median']:.2f}x")
        print(f"bare chunk encodes (same chunks, ffmpeg only, one per core): median "
              f"{report['bare_chunk_encodes_median_s']:.2f} s, "
              f"{report['bare_chunk_encodes_median_s'] / report['monolithic_median_s']:.2f}x the monolithic encode")
        print(f"stage medians: {report['stage_latency_s_median']}")
        print(f"operations for {chunks} chunks: {report['operations']}")
        print(f"per chunk: {report['operations_per_chunk']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
