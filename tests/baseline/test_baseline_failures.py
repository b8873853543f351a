"""Failures: a chunk failing once or always, and every kind of bad input. A FAILED job says why,
publishes nothing and leaves nothing in work/."""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from dataclasses import replace

import pytest

import media
from baseline.local import MediaFaults
from media import Limits, MediaError, PipelineSettings

from .conftest import run_job


def test_a_chunk_failing_once_is_retried_and_the_job_succeeds(session, small_video, tmp_path) -> None:
    faults = MediaFaults(fail_once={1})
    run = run_job(session, small_video, tmp_path, faults=faults)
    assert run.result["status"] == "SUCCEEDED", run.result
    assert run.result["output_frames"] == media.probe(small_video).frames
    assert faults.encodes == Counter({0: 1, 1: 2})
    chunk0, chunk1 = run.chunks
    assert (chunk0["status"], chunk0["attempts"]) == ("DONE", 1)
    assert (chunk1["status"], chunk1["attempts"]) == ("DONE", 2)
    assert chunk1["last_error"] == "injected encode failure of chunk 1"
    assert run.work_keys() == [] and run.output_keys() == ["output/job-1.mp4"]


def test_a_chunk_failing_always_fails_the_job_with_its_reason_and_publishes_nothing(session, small_video, tmp_path) -> None:
    faults = MediaFaults(fail_always={1})
    run = run_job(session, small_video, tmp_path, faults=faults)
    attempts = PipelineSettings().max_chunk_attempts
    assert run.result["status"] == "FAILED"
    assert run.result["error"] == f"chunk 1 failed after {attempts} attempts: injected encode failure of chunk 1"
    assert run.result["error_kind"] == "chunk_failed" and run.result["output"] is None
    assert faults.encodes[1] == attempts and faults.assemblies == 0
    assert run.job["status"] == "FAILED" and run.job["error_kind"] == "chunk_failed"
    assert (run.chunks[1]["status"], run.chunks[1]["attempts"]) == ("FAILED", attempts)
    assert run.output_keys() == [] and run.output_puts == 0
    assert run.work_keys() == []  # chunks and encoded parts of the failed job are deleted
    assert not run.dead_letters  # bounded by the code, not by Lambda giving up


def _expected_error(path, limits: Limits) -> MediaError:  # type: ignore[no-untyped-def]
    try:
        media.check_limits(media.probe(path), limits)
    except MediaError as error:
        return error
    raise AssertionError(f"{path} is not a bad input")


@pytest.mark.parametrize(
    "name, kind",
    [
        ("zero_bytes", "empty_input"),
        ("text_named_mp4", "not_a_video"),
        ("truncated_mp4", "corrupt_media"),
        ("audio_only", "no_video_stream"),
        ("long", "limit_exceeded"),
    ],
)
def test_a_bad_input_fails_at_validation_with_its_reason(session, bad_inputs, audio_only, tmp_path, name, kind) -> None:
    path = audio_only if name == "audio_only" else bad_inputs[name]
    settings = replace(PipelineSettings(), limits=Limits(max_duration_s=5.0))
    expected = _expected_error(path, settings.limits)
    run = run_job(session, path, tmp_path, settings=settings)
    assert (run.result["status"], run.result["error_kind"], expected.kind) == ("FAILED", kind, kind)
    assert run.result["error"] == str(expected)
    assert (run.job["status"], run.job["stage"], run.job["error"]) == ("FAILED", "validate", str(expected))
    assert Counter(d.stage for d in run.deliveries) == Counter({"validate": 1})
    assert run.output_keys() == [] and run.work_keys() == [] and run.chunks == []


def test_a_missing_input_object_fails_the_job(session, small_video, tmp_path) -> None:
    run = run_job(session, small_video, tmp_path, input_key="input/job-1/missing.mp4")
    assert run.result["status"] == "FAILED" and run.result["error_kind"] == "input_not_found"
    assert run.result["error"] == "input object s3://video-pipeline-media/input/job-1/missing.mp4 does not exist"
    assert run.keys == []


@pytest.mark.parametrize("key", ["input/job-1/../../output/job-2.mp4", "input/job-2/small.mp4", "/etc/passwd"])
def test_an_input_key_outside_the_jobs_prefix_is_refused(session, small_video, tmp_path, key) -> None:
    run = run_job(session, small_video, tmp_path, input_key=key)
    assert (run.result["status"], run.result["error_kind"]) == ("FAILED", "invalid_request")
    assert run.job["status"] == "FAILED" and [d.operations for d in run.deliveries] == [["dynamodb.UpdateItem"] * 2]


def test_an_encode_with_the_wrong_frame_count_is_retried_then_fails_its_chunk(session, small_video, tmp_path,
                                                                              monkeypatch) -> None:
    import baseline.encode

    real_encode = baseline.encode.encode_chunk

    def short_by_one(source, target, settings):  # type: ignore[no-untyped-def]
        frames = real_encode(source, target, settings)
        return frames - 1 if Path(source).stem == "00001" else frames

    monkeypatch.setattr(baseline.encode, "encode_chunk", short_by_one)
    run = run_job(session, small_video, tmp_path)
    attempts = PipelineSettings().max_chunk_attempts
    assert (run.result["status"], run.result["error_kind"]) == ("FAILED", "chunk_failed")
    assert run.result["error"] == f"chunk 1 failed after {attempts} attempts: encoded chunk has 59 frames, expected 60"
    assert run.faults.encodes[1] == attempts and run.faults.assemblies == 0
    assert run.output_keys() == [] and run.work_keys() == []


def test_a_work_object_lost_while_the_job_runs_fails_it_with_the_key(session, small_video, tmp_path) -> None:
    from local_aws import sibling_session

    s3 = sibling_session(session).client("s3")  # not counted, not attributed to a delivery

    def lose_part_0(delivery, step, operation, when):  # type: ignore[no-untyped-def]
        if (delivery.stage, step, when) == ("assemble", 0, "after"):  # claimed, nothing downloaded yet
            s3.delete_object(Bucket="video-pipeline-media", Key="work/job-1/encoded/00000.mp4")

    run = run_job(session, small_video, tmp_path, crash=lose_part_0)
    assert (run.result["status"], run.result["error_kind"]) == ("FAILED", "work_object_missing")
    assert run.result["error"] == "work object s3://video-pipeline-media/work/job-1/encoded/00000.mp4 does not exist"
    assert run.output_keys() == [] and run.work_keys() == [] and not run.dead_letters
