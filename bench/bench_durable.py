"""Benchmark: the whole ``python -m durable_ref run`` process against one monolithic ffmpeg encode.

Makes a 20 s 1280x720 30 fps input (keyframes every 2 s), then times, alternating, N runs of each: the
durable CLI as a subprocess (interpreter start, moto, the SDK's local runner, the orchestrator and ten
encoder executions, two encodes at a time) and ``media.encode_whole`` of the same file with the same x264
settings (threads=0). Prints the medians and their ratio (goal: <= 1.25x), and, as a floor, the same chunks
encoded by bare ffmpeg one per core with no pipeline around them; then runs the job once more in process
with a botocore hook on its Session to count S3 calls, and reports the durable operations, invocations and
checkpointed bytes per chunk.

    python bench/bench_durable.py [--runs 3] [--seconds 20] [--max-concurrency N] [--json]

``--max-concurrency`` sets the map's max_concurrency (MAX_CONCURRENCY); by default the map starts every
chunk's encoder and the machine runs one encode per core, as the baseline's local invoker does.
Numbers from a shared 2-core machine are noisy: compare the columns of one run, not runs.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import media  # noqa: E402
from media.synthetic import make_video  # noqa: E402

STAGES = ("validate", "chunk", "encode", "assemble")


def time_durable_cli(video: Path, max_concurrency: int | None) -> tuple[float, dict]:
    env = dict(os.environ)
    if max_concurrency:
        env["MAX_CONCURRENCY"] = str(max_concurrency)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "durable_ref", "run", str(video), "--json"], cwd=REPO, env=env,
                          capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"durable_ref run failed:\n{done.stdout}\n{done.stderr}")
    return elapsed, json.loads(done.stdout)


def time_monolithic(video: Path, target: Path) -> float:
    started = time.perf_counter()
    media.encode_whole(video, target, media.EncodeSettings(), threads=0)
    return time.perf_counter() - started


def time_chunked_floor(workdir: Path) -> float:
    """The same chunks encoded by bare ffmpeg, one per core at a time: the pipeline can only be as fast."""
    chunks = sorted((workdir / "chunks").glob("chunk_*.mkv"))
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(lambda c: media.encode_chunk(c, c.with_suffix(".mp4"), media.EncodeSettings()), chunks))
    return time.perf_counter() - started


def count_s3_calls(video: Path) -> tuple[dict, dict]:
    """One in-process job with every boto3 call of its Session counted (the upload before it excluded)."""
    from durable_ref import config, storage
    from durable_ref.local import run_job
    from local_aws import atomic_mock_aws, make_session
    from media import layout

    calls: collections.Counter = collections.Counter()

    def count(model, **_):  # type: ignore[no-untyped-def]
        calls[f"{model.service_model.service_name}.{model.name}"] += 1

    with atomic_mock_aws():
        session = make_session()
        bucket = config.DurableRefConfig.from_environment().bucket
        s3 = session.client("s3")
        s3.create_bucket(Bucket=bucket)
        key = layout.input_key("bench-job", video.name)
        s3.upload_file(str(video), bucket, key)
        session.events.register("before-call", count)
        result = run_job("bench-job", key, session=session)
        storage.use_session(None)
    if result["status"] != "SUCCEEDED":
        raise SystemExit(f"in-process run failed: {result}")
    return dict(sorted(calls.items())), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--max-concurrency", type=int, help="the map's max_concurrency (default: every chunk)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "input_720p.mp4"
        make_video(video, seconds=args.seconds, width=1280, height=720, fps=30, keyframe_seconds=2)
        media.split(video, media.probe(video), Path(tmp) / "chunks", media.PipelineSettings().chunk_seconds)
        durable_s, monolithic_s, floor_s, jobs = [], [], [], []
        for run in range(args.runs):
            # Alternate which goes first, so a drift in the machine's load favours neither.
            if run % 2:
                monolithic_s.append(time_monolithic(video, Path(tmp) / "monolithic.mp4"))
            elapsed, result = time_durable_cli(video, args.max_concurrency)
            durable_s.append(elapsed)
            jobs.append(result)
            if not run % 2:
                monolithic_s.append(time_monolithic(video, Path(tmp) / "monolithic.mp4"))
            floor_s.append(time_chunked_floor(Path(tmp)))
            print(f"run {run + 1}: durable {durable_s[-1]:.2f} s (job {result['duration_s']:.2f} s), "
                  f"monolithic {monolithic_s[-1]:.2f} s, bare chunk encodes {floor_s[-1]:.2f} s", file=sys.stderr)
        s3_calls, result = count_s3_calls(video)
    chunks = result["chunks"]
    durable, monolithic = statistics.median(durable_s), statistics.median(monolithic_s)
    report = {
        "input": f"{args.seconds:g} s 1280x720 30 fps, chunks of {media.PipelineSettings().chunk_seconds:g} s",
        "runs": args.runs,
        "map_max_concurrency": args.max_concurrency or "every chunk",
        "durable_process_s": [round(s, 3) for s in durable_s],
        "monolithic_s": [round(s, 3) for s in monolithic_s],
        "durable_median_s": round(durable, 3),
        "monolithic_median_s": round(monolithic, 3),
        "ratio": round(durable / monolithic, 3),
        "bare_chunk_encodes_median_s": round(statistics.median(floor_s), 3),
        "job_duration_s_median": round(statistics.median(job["duration_s"] for job in jobs), 3),
        "stage_latency_s_median": {
            stage: round(statistics.median(job["stage_latency_s"][stage] for job in jobs), 3) for stage in STAGES
        },
        "peak_parallel_encodes": result["peak_parallel_encodes"],
        "chunks": chunks,
        "durable_operations": result["operations_by_type"],
        "durable_operations_per_chunk": round(result["operations"] / chunks, 2),
        "orchestrator_invocations": result["invocations"],
        "checkpoint_calls_per_chunk": round(result["checkpoint_calls"] / chunks, 2),
        "checkpoint_bytes_per_chunk": round(result["checkpoint_bytes"] / chunks, 1),
        "checkpoint_payload_bytes_per_chunk": round(result["checkpoint_payload_bytes"] / chunks, 1),
        "largest_payload_bytes": result["largest_payload_bytes"],
        "s3_calls": s3_calls,
        "s3_calls_per_chunk": round(sum(s3_calls.values()) / chunks, 2),
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"durable process: median {report['durable_median_s']:.2f} s  {report['durable_process_s']}")
        print(f"monolithic ffmpeg: median {report['monolithic_median_s']:.2f} s  {report['monolithic_s']}")
        print(f"ratio: {report['ratio']:.2f}x (goal <= 1.25x)")
        print(f"bare chunk encodes (same chunks, ffmpeg only, one per core): median "
              f"{report['bare_chunk_encodes_median_s']:.2f} s")
        print(f"job (in the CLI): median {report['job_duration_s_median']:.2f} s; stages {report['stage_latency_s_median']}")
        print(f"durable operations for {chunks} chunks: {report['durable_operations']} "
              f"({report['durable_operations_per_chunk']} per chunk), "
              f"orchestrator invocations {report['orchestrator_invocations']}")
        print(f"checkpoints per chunk: {report['checkpoint_calls_per_chunk']} calls, "
              f"{report['checkpoint_bytes_per_chunk']} bytes ({report['checkpoint_payload_bytes_per_chunk']} of "
              f"payload); largest payload {report['largest_payload_bytes']} bytes")
        print(f"S3 calls: {report['s3_calls']} ({report['s3_calls_per_chunk']} per chunk)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
