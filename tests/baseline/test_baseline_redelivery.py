"""Duplicates and crashes: every event delivered twice, a job submitted twice at once, a job id reused,
and a handler killed before or after one of its storage operations, then retried as Lambda retries it."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

import media
from baseline.local import CrashInjector, CrashPoint

from .conftest import run_job


@pytest.fixture(scope="module")
def reference_frames(small_video: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    from local_aws import atomic_mock_aws, make_session

    with atomic_mock_aws():
        run = run_job(make_session(), small_video, tmp_path_factory.mktemp("reference"))
    return media.framemd5(run.result["output"])


def _assert_one_clean_success(run, frames: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert run.result["status"] == "SUCCEEDED", run.result
    assert media.framemd5(run.result["output"]) == frames
    assert run.output_keys() == ["output/job-1.mp4"] and run.output_puts == 1
    assert run.work_keys() == []
    assert [c["status"] for c in run.chunks] == ["DONE", "DONE"]
    assert not run.dead_letters


def test_every_event_delivered_twice_encodes_each_chunk_once(session, small_video, tmp_path, reference_frames) -> None:
    run = run_job(session, small_video, tmp_path, copies=2)
    _assert_one_clean_success(run, reference_frames)
    assert run.faults.encodes == Counter({0: 1, 1: 1}) and run.faults.assemblies == 1
    invocations = Counter(d.stage for d in run.deliveries)
    assert invocations["validate"] == 2 and invocations["encode"] >= 4 and invocations["assemble"] >= 2


def test_the_same_job_submitted_twice_at_once_runs_once(session, small_video, tmp_path, reference_frames) -> None:
    run = run_job(session, small_video, tmp_path, submissions=2)
    _assert_one_clean_success(run, reference_frames)
    assert run.faults.encodes == Counter({0: 1, 1: 1}) and run.faults.assemblies == 1
    assert run.job["input_key"] == "input/job-1/small.mp4"
    assert Counter(d.stage for d in run.deliveries)["validate"] == 2 and run.job["attempts"] == 1  # of assemble


def test_a_job_id_reused_for_another_input_is_refused(session, small_video, silent_video, tmp_path) -> None:
    first = run_job(session, small_video, tmp_path)
    second = run_job(session, silent_video, tmp_path / "second")
    assert first.result["status"] == "SUCCEEDED"
    assert (second.result["status"], second.result["error_kind"]) == ("FAILED", "job_id_conflict")
    assert second.result["error"] == "job id job-1 is already used for another input"
    assert second.job["status"] == "SUCCEEDED" and second.job["input_key"] == "input/job-1/small.mp4"
    assert second.faults.encodes == Counter() and second.output_puts == 0


def test_the_same_key_uploaded_again_with_other_bytes_is_another_input(session, small_video, silent_video,
                                                                       tmp_path, reference_frames) -> None:
    first = run_job(session, small_video, tmp_path / "first")
    _assert_one_clean_success(first, reference_frames)
    replaced = tmp_path / "small.mp4"  # same name, so the same key input/job-1/small.mp4
    replaced.write_bytes(silent_video.read_bytes())
    second = run_job(session, replaced, tmp_path / "second")
    assert (second.result["status"], second.result["error_kind"]) == ("FAILED", "job_id_conflict")
    assert second.result["error"] == "job id job-1 is already used for another input"
    validate = [d.result for d in second.deliveries if d.stage == "validate"]
    assert [r["outcome"] for r in validate] == ["rejected"] and len(second.deliveries) == 1
    # The first job and its output are untouched.
    assert second.job["status"] == "SUCCEEDED" and second.output_puts == 0 and second.faults.encodes == Counter()
    assert media.framemd5(first.result["output"]) == reference_frames and second.output_keys() == ["output/job-1.mp4"]


def _expire_job_items(session, job_id: str) -> None:  # type: ignore[no-untyped-def]
    """What DynamoDB's TTL does once ``expires_at`` has passed: the job's items are gone, its output stays."""
    from baseline.config import DEFAULT_TABLE

    client = session.client("dynamodb")
    items = client.query(TableName=DEFAULT_TABLE, KeyConditionExpression="pk = :pk",
                         ExpressionAttributeValues={":pk": {"S": f"JOB#{job_id}"}})["Items"]
    for item in items:
        client.delete_item(TableName=DEFAULT_TABLE, Key={"pk": item["pk"], "sk": item["sk"]})


def test_after_the_job_items_expired_the_output_metadata_still_tells_the_inputs_apart(
    session, small_video, silent_video, tmp_path, reference_frames
) -> None:
    first = run_job(session, small_video, tmp_path / "first")
    _assert_one_clean_success(first, reference_frames)
    # Another input under the same id: the job runs, its publish is refused, and the output's metadata
    # names another input, so it fails without touching the first job's output.
    same_key_other_content = tmp_path / "small.mp4"
    same_key_other_content.write_bytes(silent_video.read_bytes())
    for name, video in [("other-key", silent_video), ("same-key-other-content", same_key_other_content)]:
        _expire_job_items(session, "job-1")
        run = run_job(session, video, tmp_path / name)
        assert (run.result["status"], run.result["error_kind"]) == ("FAILED", "job_id_conflict"), name
        assert run.result["error"] == "job id job-1 is already used for another input"
        assert run.output_puts == 0 and run.work_keys() == []
    # The same input again (same key, same bytes): served the output already published, written once.
    small_again = tmp_path / "again" / "small.mp4"
    small_again.parent.mkdir()
    small_again.write_bytes(small_video.read_bytes())
    _expire_job_items(session, "job-1")
    again = run_job(session, small_again, tmp_path / "again")
    assert again.result["status"] == "SUCCEEDED" and again.output_puts == 0
    assert media.framemd5(again.result["output"]) == reference_frames
    assert again.output_keys() == ["output/job-1.mp4"] and again.work_keys() == []
    s3 = session.client("s3")
    input_etag = s3.head_object(Bucket="video-pipeline-media", Key="input/job-1/small.mp4")["ETag"]
    output = s3.head_object(Bucket="video-pipeline-media", Key="output/job-1.mp4")
    assert output["Metadata"] == {"input-key": "input/job-1/small.mp4", "input-etag": input_etag}


# A crash after each state transition and around each handoff: the points where a lost write or a lost
# event would lose the job (the full matrix over every storage operation is in the fault-injection suite).
CRASH_POINTS = [
    CrashPoint("validate", 2, "after"),  # advanced to chunk, chunk not yet invoked
    CrashPoint("chunk", 4, "after"),  # advanced to encode, no encode invoked
    CrashPoint("chunk", 5, "after"),  # one of two encodes invoked
    CrashPoint("encode", 2, "after"),  # encoded part uploaded, chunk not marked done
    CrashPoint("encode", 3, "after"),  # chunk done, not yet counted on the job
    CrashPoint("encode", 4, "after"),  # counted (maybe the last), assemble not invoked
    CrashPoint("assemble", 4, "after"),  # output published, job not yet SUCCEEDED
    CrashPoint("assemble", 5, "after"),  # SUCCEEDED, intermediate objects not yet deleted
]


@pytest.mark.parametrize("point", CRASH_POINTS, ids=str)
def test_a_crash_between_storage_operations_loses_nothing(session, small_video, tmp_path, reference_frames, point) -> None:
    crash = CrashInjector(point)
    run = run_job(session, small_video, tmp_path, crash=crash)
    assert crash.fired_at is not None, "the crash point was never reached"
    _assert_one_clean_success(run, reference_frames)
    crashed = [d for d in run.deliveries if d.error is not None]
    assert len(crashed) == 1 and crashed[0].stage == point.stage
    retry = [d for d in run.deliveries if d.request_id == crashed[0].request_id and d.error is None]
    assert len(retry) == 1 and retry[0].attempt == 2  # Lambda's retry, same request id, finished the work


@pytest.mark.parametrize("point, encodes", [
    (CrashPoint("encode", 2, "after"), 2),  # part uploaded, chunk not marked DONE: the retry encodes again
    (CrashPoint("encode", 3, "after"), 1),  # marked DONE, not counted: the retry's claim is refused, it counts
    (CrashPoint("encode", 4, "after"), 1),  # counted: the retry's claim is refused, nothing left to do
], ids=str)
def test_the_chunk_done_write_spares_a_retry_the_encode(session, small_video, tmp_path, reference_frames, point,
                                                        encodes) -> None:
    """What the chunk item's DONE write buys (README.md, section 'Redelivery and crashes'): a retry after
    it skips the encode; only the crash between the upload and the DONE write encodes the chunk twice."""
    crash = CrashInjector(point)
    run = run_job(session, small_video, tmp_path, crash=crash)
    _assert_one_clean_success(run, reference_frames)
    crashed = next(d for d in run.deliveries if d.error is not None)
    assert run.faults.encodes[crashed.event["index"]] == encodes
    assert sum(run.faults.encodes.values()) == len(run.chunks) + encodes - 1
