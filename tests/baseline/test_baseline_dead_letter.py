"""The failure handler (``baseline.dead_letter``): an event that fails on all three deliveries no longer
leaves its job RUNNING; the job ends FAILED with the reason, its work objects deleted, and a record for
an event the job no longer waits on, or the same record again, changes nothing."""
from __future__ import annotations

import json
from collections import Counter

from baseline import dead_letter
from baseline.local import CrashInjector, CrashPoint
from baseline.local.invoker import Delivery, failure_record
from media import PipelineSettings

from .conftest import run_job

DELIVERIES = 3


def test_a_stage_crashing_on_every_delivery_fails_the_job_and_deletes_its_work(session, small_video, tmp_path) -> None:
    crash = CrashInjector(CrashPoint("chunk", 2, "after"), every=True)  # after uploading the first chunk
    run = run_job(session, small_video, tmp_path, crash=crash)
    assert crash.fired == DELIVERIES
    assert (run.result["status"], run.result["error_kind"]) == ("FAILED", "stage_failed")
    assert run.result["error"] == f"stage chunk did not finish after {DELIVERIES} attempts"
    assert (run.job["status"], run.job["stage"], run.job["error"]) == ("FAILED", "chunk", run.result["error"])
    assert [d.stage for d in run.dead_letters] == ["chunk"]
    failure = [d for d in run.deliveries if d.stage == "dead_letter"]
    assert len(failure) == 1 and failure[0].result["outcome"] == "failed"
    assert failure[0].result["condition"] == "RetriesExhausted"
    assert run.work_keys() == [] and run.output_keys() == [] and run.faults.encodes == Counter()


def test_a_submission_crashing_before_its_first_write_leaves_a_failed_job(session, small_video, tmp_path) -> None:
    crash = CrashInjector(CrashPoint("validate", 0, "before"), every=True)
    run = run_job(session, small_video, tmp_path, crash=crash)
    assert crash.fired == DELIVERIES
    assert run.result["status"] == "FAILED"
    assert run.result["error"] == f"stage validate did not finish after {DELIVERIES} attempts"
    job = run.job
    assert (job["status"], job["stage"], job["input_key"]) == ("FAILED", "validate", "input/job-1/small.mp4")
    assert job["expires_at"] > 0 and "lease_owner" not in job
    assert [key for key in run.keys if not key.startswith("input/")] == []


def test_an_encode_dying_on_every_delivery_fails_its_chunk_and_the_job(session, small_video, tmp_path) -> None:
    crash = CrashInjector(CrashPoint("encode", 1, "after"), every=True, chunk=1)  # after reading chunk 1
    run = run_job(session, small_video, tmp_path, crash=crash)
    assert crash.fired == DELIVERIES
    assert (run.result["status"], run.result["error_kind"]) == ("FAILED", "chunk_failed")
    assert run.result["error"] == (f"chunk 1 failed after {DELIVERIES} attempts: "
                                   "its encoder stopped before finishing (timeout or crash)")
    assert run.work_keys() == [] and run.output_keys() == [] and run.faults.assemblies == 0


def _record(stage: str, event: dict) -> dict:
    delivery = Delivery(stage, event, request_id="req-dead", attempt=DELIVERIES)
    delivery.error = RuntimeError("Task timed out after 900.00 seconds")
    return failure_record(delivery)


def test_a_record_the_job_no_longer_waits_on_changes_nothing(session, small_video, tmp_path) -> None:
    """A succeeded job, then failure records for events of it that other deliveries completed: a stale
    encode event (its chunk counted) and a stale chunk event (the job moved past chunking)."""
    from baseline.local import LocalPipeline

    run = run_job(session, small_video, tmp_path)
    assert run.result["status"] == "SUCCEEDED"
    with LocalPipeline(session) as pipeline:
        for stage, event in [("encode", {"job_id": "job-1", "index": 0, "chunk_count": 2, "frames": 60}),
                             ("chunk", {"job_id": "job-1"})]:
            result = dead_letter.handler(_record(stage, event), None)
            assert (result["outcome"], result["job_status"], result["dead_stage"]) == ("ignored", "SUCCEEDED", stage)
        job, _ = pipeline.items("job-1")
    assert job["status"] == "SUCCEEDED" and "error" not in job
    assert run.output_keys() == ["output/job-1.mp4"]


def test_the_same_record_again_in_an_sqs_batch_changes_nothing(session, small_video, tmp_path) -> None:
    crash = CrashInjector(CrashPoint("assemble", 1, "after"), every=True)
    run = run_job(session, small_video, tmp_path, crash=crash)
    assert run.result["error"] == f"stage assemble did not finish after {DELIVERIES} attempts"
    assert run.work_keys() == [] and run.output_keys() == []
    from baseline.local import LocalPipeline

    record = failure_record(run.dead_letters[0])
    batch = {"Records": [{"messageId": "m-1", "body": json.dumps(record)},
                         {"messageId": "m-2", "body": "not json"}]}
    with LocalPipeline(session, settings=PipelineSettings()) as pipeline:
        result = dead_letter.handler(batch, None)
        job, _ = pipeline.items("job-1")
    # The unreadable message is reported back to the queue; the readable one finds its job failed already.
    assert result["batchItemFailures"] == [{"itemIdentifier": "m-2"}]
    assert [r["outcome"] for r in result["results"]] == ["already_failed"]
    assert (job["status"], job["error"], job["updated_at"]) == ("FAILED", run.job["error"], run.job["updated_at"])
