"""The durable pipeline end to end in the SDK's local runner, with S3 on moto and real ffmpeg."""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from unittest import mock

import pytest
from botocore.exceptions import ClientError

import media
from durable_ref import config
from durable_ref.local import ChunkFaults, run_job, run_local
from durable_ref.local.instrument import STEP_FACTORIES, around
from local_aws import AtomicMotoServer, make_session
from media import layout

BUCKET = config.DEFAULT_BUCKET


def keys(session, prefix: str) -> list[str]:
    listing = session.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return [item["Key"] for item in listing.get("Contents", [])]


def reference_output(source: Path, work: Path, settings: media.PipelineSettings) -> Path:
    """The media core's own chain on the same input and settings: split, encode each chunk, assemble."""
    info = media.probe(source)
    chunks = media.split(source, info, work / "chunks", settings.chunk_seconds)
    parts = []
    for index, chunk in enumerate(chunks):
        parts.append(work / f"part{index}.mp4")
        media.encode_chunk(chunk, parts[-1], settings.encode)
    media.assemble(parts, source, info.audio_codec, work / "reference.mp4", info.frames)
    return work / "reference.mp4"


def test_job_keeps_every_frame_and_matches_the_media_core(small_video: Path, tmp_path: Path, session) -> None:
    result = run_local(small_video, output=tmp_path / "out.mp4", session=session)

    assert result["status"] == "SUCCEEDED", result["error"]
    assert (result["error"], result["error_kind"]) == (None, None)
    assert result["chunks"] == 2 and result["input_frames"] == result["output_frames"] == 120
    out = media.probe(tmp_path / "out.mp4")
    assert out.frames == 120 and out.has_audio and abs(out.duration_s - 4.0) <= 1 / 30
    reference = reference_output(small_video, tmp_path, media.PipelineSettings())
    assert media.framemd5(tmp_path / "out.mp4") == media.framemd5(reference)
    # Published once, input kept, intermediate objects gone.
    job = result["job_id"]
    assert keys(session, "output/") == [layout.output_key(job)] == [result["output_key"]]
    assert len(keys(session, f"input/{job}/")) == 1
    assert keys(session, layout.work_prefix(job)) == []


def test_execution_facts_count_operations_replays_and_checkpoints(small_video: Path, session) -> None:
    result = run_local(small_video, session=session)

    assert result["status"] == "SUCCEEDED"
    # Orchestrator: execution, validate, chunk, map, 2 invokes (FLAT map), assemble; each encoder:
    # execution and one step.
    assert result["operations_by_type"] == {"EXECUTION": 3, "STEP": 5, "CONTEXT": 1, "CHAINED_INVOKE": 2}
    assert result["orchestrator_operations"] == 7 and result["encoder_executions"] == 2
    # The orchestrator suspends while encoders run, and each replay skips the finished steps.
    assert result["invocations"] >= 2 and result["replays"] == result["invocations"] - 1
    assert result["step_executions"] == {"validate": 1, "chunk": 1, "encode": 2, "assemble": 1}
    assert result["checkpoint_calls"] >= 5
    assert 0 < result["checkpoint_payload_bytes"] < result["checkpoint_bytes"]
    assert result["largest_payload_bytes"] < 4096  # keys and small metadata, never media
    assert set(result["stage_latency_s"]) == {"validate", "chunk", "encode", "assemble"}
    assert all(seconds > 0 for seconds in result["stage_latency_s"].values())
    assert len(result["chunk_latency_s"]) == 2 and all(s > 0 for s in result["chunk_latency_s"])


def test_unaligned_keyframes_still_give_exact_chunks(small_video_unaligned: Path, tmp_path: Path, session) -> None:
    result = run_local(small_video_unaligned, output=tmp_path / "out.mp4", session=session)

    assert result["status"] == "SUCCEEDED", result["error"]
    assert result["chunks"] == 3 and result["output_frames"] == result["input_frames"] == 150
    assert media.count_frames(tmp_path / "out.mp4") == 150
    # The map starts all three encoders; the machine runs at most one per core.
    assert result["encoder_executions"] == 3
    assert 1 <= result["peak_parallel_encodes"] <= min(3, os.cpu_count() or 1)


def test_chunk_failing_once_is_retried_inside_its_encoder(small_video: Path, tmp_path: Path, session) -> None:
    result = run_local(small_video, output=tmp_path / "out.mp4", session=session, faults=ChunkFaults(fail_once={1}))

    assert result["status"] == "SUCCEEDED", result["error"]
    assert media.count_frames(tmp_path / "out.mp4") == 120
    # Chunk 1 encoded twice, chunk 0 once: replays of the orchestrator and of chunk 1's encoder re-ran
    # no finished step.
    assert result["chunk_attempts"] == [1, 2]
    assert result["step_executions"] == {"validate": 1, "chunk": 1, "encode": 3, "assemble": 1}
    assert result["encoder_invocations"] == 3  # chunk 1's encoder was invoked again for its retry
    assert result["operations_by_type"]["STEP"] == 5  # a retry is an attempt of the same operation


def test_encoder_dying_mid_encode_is_reinvoked_and_resumes(small_video: Path, tmp_path: Path, session) -> None:
    """A killed invocation (timeout, out of memory) is re-invoked by the platform; no code of ours handles it.
    The local runner waits a real 5 s before re-invoking."""
    result = run_local(small_video, output=tmp_path / "out.mp4", session=session, faults=ChunkFaults(crash_once={0}))

    assert result["status"] == "SUCCEEDED", result["error"]
    assert media.count_frames(tmp_path / "out.mp4") == 120
    assert result["chunk_attempts"] == [2, 1]
    assert result["step_executions"] == {"validate": 1, "chunk": 1, "encode": 3, "assemble": 1}


def test_chunk_failing_always_fails_the_job_and_publishes_nothing(small_video: Path, session) -> None:
    settings = replace(media.PipelineSettings(), max_chunk_attempts=2)
    result = run_local(small_video, settings=settings, session=session, faults=ChunkFaults(fail_always={1}))

    assert result["status"] == "FAILED"
    assert result["error"] == "chunk 1 failed after 2 attempts: injected encode failure of chunk 1"
    assert result["error_kind"] == "chunk_failed"
    assert result["chunk_attempts"] == [1, 2]
    assert "assemble" not in result["step_executions"] and result["step_executions"]["cleanup"] == 1
    assert result["output_key"] is None and result["output"] is None
    assert keys(session, "output/") == []
    assert keys(session, layout.work_prefix(result["job_id"])) == []


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("zero_bytes", "empty_input"),
        ("text_named_mp4", "not_a_video"),
        ("truncated_mp4", "corrupt_media"),
        ("audio_only", "no_video_stream"),
        ("long", "limit_exceeded"),
    ],
)
def test_bad_input_fails_with_the_media_error(name: str, kind: str, bad_inputs, audio_only: Path, session) -> None:
    path = audio_only if name == "audio_only" else bad_inputs[name]
    limits = replace(media.Limits(), max_duration_s=5.0)
    with pytest.raises(media.MediaError) as expected:
        media.check_limits(media.probe(path), limits)

    result = run_local(path, settings=replace(media.PipelineSettings(), limits=limits), session=session)

    assert (result["status"], result["error_kind"], result["error"]) == ("FAILED", kind, str(expected.value))
    assert expected.value.kind == kind
    # A media error is not retried, and nothing after validation ran.
    assert result["step_executions"] == {"validate": 1}
    assert result["chunks"] is None and result["output_frames"] is None
    assert keys(session, "output/") == [] and keys(session, "work/") == []


def test_missing_input_object_fails_with_its_key(session) -> None:
    session.client("s3").create_bucket(Bucket=BUCKET)

    result = run_job("job-1", "input/job-1/absent.mp4", session=session)

    assert result["status"] == "FAILED" and result["error_kind"] == "input_not_found"
    assert result["error"] == f"input object s3://{BUCKET}/input/job-1/absent.mp4 does not exist"
    assert result["step_executions"] == {"validate": 1}


def test_malformed_job_request_fails_before_any_step(session) -> None:
    result = run_job("../escape", "input/x/a.mp4", session=session)

    assert result["status"] == "FAILED" and result["error_kind"] == "invalid_request"
    assert "job id '../escape' is invalid" in result["error"]
    assert result["step_executions"] == {} and result["operations_by_type"] == {"EXECUTION": 1}


def test_runs_against_an_s3_endpoint(small_video: Path, tmp_path: Path) -> None:
    with AtomicMotoServer() as server:
        result = run_local(small_video, output=tmp_path / "out.mp4", endpoint_url=server.endpoint_url)
        listing = make_session().client("s3", endpoint_url=server.endpoint_url).list_objects_v2(Bucket=BUCKET)

    assert result["status"] == "SUCCEEDED", result["error"]
    assert media.count_frames(tmp_path / "out.mp4") == 120
    assert sorted(item["Key"] for item in listing["Contents"]) == sorted(
        [layout.output_key(result["job_id"]), layout.input_key(result["job_id"], small_video.name)]
    )


def slow_down() -> Exception:
    return ClientError({"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}}, "GetObject")


def failing_stage(stage: str, failed_attempts: int | None, error=slow_down):
    """Make a stage's step raise ``error()`` (a transient S3 error) on its first ``failed_attempts`` (None:
    all) attempts."""
    module, attribute = STEP_FACTORIES[stage]

    def inject(step_context, args, run):
        if failed_attempts is None or step_context.attempt <= failed_attempts:
            raise error()
        return run()

    return mock.patch.object(module, attribute, around(getattr(module, attribute), inject))


def test_transient_stage_error_is_retried_by_the_step(small_video: Path, session) -> None:
    with failing_stage("chunk", 1):
        result = run_local(small_video, session=session)

    assert result["status"] == "SUCCEEDED", result["error"]
    assert result["step_executions"] == {"validate": 1, "chunk": 2, "encode": 2, "assemble": 1}
    assert result["output_frames"] == 120


def test_any_error_but_a_media_error_is_retried_as_lambda_retries_a_baseline_stage(small_video: Path, session) -> None:
    with failing_stage("assemble", 1, lambda: RuntimeError("ffmpeg was killed")):
        result = run_local(small_video, session=session)

    assert result["status"] == "SUCCEEDED", result["error"]
    assert result["step_executions"]["assemble"] == 2 and result["output_frames"] == 120


def test_stage_out_of_attempts_fails_the_job(small_video: Path, session) -> None:
    settings = replace(media.PipelineSettings(), max_stage_attempts=2)
    with failing_stage("validate", None):
        result = run_local(small_video, settings=settings, session=session)

    assert (result["status"], result["error_kind"]) == ("FAILED", "stage_failed")
    assert result["error"] == "stage validate did not finish after 2 attempts"  # the baseline's words
    assert result["step_executions"] == {"validate": 2}


def test_encode_lanes_gate_only_the_encode_and_report_each_threads_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    from local_aws.cores import encode_lanes

    def slow_encode(*_: object) -> int:
        time.sleep(0.2)
        return 60

    monkeypatch.setattr(media, "encode_chunk", slow_encode)
    waits: dict[int, float] = {}
    with encode_lanes(1) as lanes:
        def encoder(index: int) -> None:
            lanes.take_wait_s()
            assert media.encode_chunk() == 60
            waits[index] = lanes.take_wait_s()

        threads = [threading.Thread(target=encoder, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert lanes.peak == 1
    first, second = sorted(waits.values())
    assert first < 0.1 and second >= 0.15  # the second waited for the one core, and only it
    assert media.encode_chunk is slow_encode  # the gate is gone after the block


def test_input_key_outside_the_jobs_prefix_is_refused(small_video: Path, session) -> None:
    """A job reads only its own upload, as in the baseline; another job's input is not touched."""
    session.client("s3").create_bucket(Bucket=BUCKET)
    session.client("s3").upload_file(str(small_video), BUCKET, "input/job-2/small.mp4")

    result = run_job("job-1", "input/job-2/small.mp4", session=session)

    assert (result["status"], result["error_kind"]) == ("FAILED", "invalid_request")
    assert result["error"] == "input key 'input/job-2/small.mp4' is not under input/job-1/"
    assert result["step_executions"] == {} and keys(session, "output/") == []


def deleting_before(stage: str, key_of) -> mock._patch:
    """Delete the work object ``key_of(args)`` just before each run of ``stage``'s step, as a concurrent
    clean-up would."""
    module, attribute = STEP_FACTORIES[stage]

    def inject(step_context, args, run):
        s3 = make_session().client("s3")
        s3.delete_object(Bucket=BUCKET, Key=key_of(args))
        return run()

    return mock.patch.object(module, attribute, around(getattr(module, attribute), inject))


def test_missing_chunk_fails_the_job_at_once_with_its_key(small_video: Path, session) -> None:
    with deleting_before("encode", lambda args: layout.chunk_key(args[0], 1) if args[1] == 1 else "absent"):
        result = run_local(small_video, session=session)

    job = result["job_id"]
    assert (result["status"], result["error_kind"]) == ("FAILED", "work_object_missing")
    assert result["error"] == f"work object s3://{BUCKET}/{layout.chunk_key(job, 1)} does not exist"
    assert result["chunk_attempts"] == [1, 1]  # not retried: the chunk stays gone
    assert "assemble" not in result["step_executions"] and result["step_executions"]["cleanup"] == 1
    assert keys(session, "output/") == [] and keys(session, layout.work_prefix(job)) == []


def test_missing_encoded_part_fails_assembly_with_its_key(small_video: Path, session) -> None:
    with deleting_before("assemble", lambda args: layout.encoded_key(args[0], 0)):
        result = run_local(small_video, session=session)

    job = result["job_id"]
    assert (result["status"], result["error_kind"]) == ("FAILED", "work_object_missing")
    assert result["error"] == f"work object s3://{BUCKET}/{layout.encoded_key(job, 0)} does not exist"
    assert result["step_executions"]["assemble"] == 1  # a MediaError: not retried
    assert keys(session, "output/") == [] and keys(session, layout.work_prefix(job)) == []


def test_assembly_run_again_after_publishing_keeps_the_one_output(small_video: Path, tmp_path: Path, session) -> None:
    """A step runs at least once: its first run publishes and deletes the parts, then fails before its
    result is checkpointed; the second run finds the parts gone and the output made from this input."""
    module, attribute = STEP_FACTORIES["assemble"]

    def fail_after_first_run(step_context, args, run):
        value = run()
        if step_context.attempt == 1:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "lost"}}, "PutObject")
        return value

    with mock.patch.object(module, attribute, around(getattr(module, attribute), fail_after_first_run)):
        result = run_local(small_video, output=tmp_path / "out.mp4", session=session)

    assert result["status"] == "SUCCEEDED", result["error"]
    assert result["step_executions"]["assemble"] == 2
    assert media.count_frames(tmp_path / "out.mp4") == 120
    assert keys(session, "output/") == [layout.output_key(result["job_id"])]


def test_checkpoints_hold_frame_counts_not_requests_or_keys(small_video: Path, session) -> None:
    """What the 256 KB checkpoint limit meets per chunk: the chunk step's list of frame counts (a few bytes
    each); the encoders return nothing, since every key follows from the job id and the index."""
    from aws_durable_execution_sdk_python.serdes import EXTENDED_TYPES_SERDES

    from metrics.runtime.checkpoint_sizes import watching_execution_stores

    with watching_execution_stores() as stores:
        result = run_local(small_video, settings=replace(media.PipelineSettings(), chunk_seconds=1.0), session=session)

    assert result["status"] == "SUCCEEDED", result["error"]
    results = {}
    for execution in stores[0].list_all():
        for update in execution.updates:
            if update.operation_type.value in ("STEP", "CHAINED_INVOKE") and update.action.value == "SUCCEED":
                results.setdefault(update.name, []).append(update.payload)
    assert results["chunk"] == [EXTENDED_TYPES_SERDES.serialize([30, 30, 30, 30])]
    assert results["encode"] == ["null"] * 4  # each encoder's step: no result
    assert result["largest_payload_bytes"] < 1024


@pytest.fixture
def no_reinvoke_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner waits a real 5 s before re-invoking after a failed invocation; these tests fail many."""
    from aws_durable_execution_sdk_python_testing.executor import Executor

    monkeypatch.setattr(Executor, "RETRY_BACKOFF_SECONDS", 0)


def crashing_always(stage: str):
    """Kill the invocation running ``stage``'s step on every attempt (a timeout or out-of-memory each time)."""
    from durable_ref.local import InjectedCrash

    module, attribute = STEP_FACTORIES[stage]

    def inject(step_context, args, run):
        raise InjectedCrash(f"injected crash in {stage}")

    return mock.patch.object(module, attribute, around(getattr(module, attribute), inject))


def test_stage_whose_invocation_dies_every_time_fails_after_its_attempts(small_video: Path, session, no_reinvoke_wait) -> None:
    """An interrupted attempt counts (AT_MOST_ONCE_PER_RETRY), as a baseline stage's lost delivery does."""
    settings = replace(media.PipelineSettings(), max_stage_attempts=2)
    with crashing_always("chunk"):
        result = run_local(small_video, settings=settings, session=session)

    assert (result["status"], result["error_kind"]) == ("FAILED", "stage_failed")
    assert result["error"] == "stage chunk did not finish after 2 attempts"
    assert result["step_executions"] == {"validate": 1, "chunk": 2, "cleanup": 1}
    assert keys(session, "output/") == [] and keys(session, "work/") == []


def test_encoder_dying_every_time_fails_its_chunk_after_its_attempts(small_video: Path, session, no_reinvoke_wait) -> None:
    settings = replace(media.PipelineSettings(), max_chunk_attempts=2)
    with crashing_always("encode"):
        result = run_local(small_video, settings=settings, session=session)

    assert (result["status"], result["error_kind"]) == ("FAILED", "chunk_failed")
    assert result["error"] in {
        f"chunk {i} failed after 2 attempts: its encoder stopped before finishing (timeout or crash)" for i in (0, 1)
    }
    assert result["chunk_attempts"] == [2, 2]
    assert keys(session, "output/") == [] and keys(session, "work/") == []
