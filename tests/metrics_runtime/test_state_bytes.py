"""External state snapshots against moto: item bytes by AWS's rules, S3 bytes split by the key layout,
peaks over a run, and snapshots that do not count as the run's operations."""
from __future__ import annotations

import threading
import time

import pytest

from local_aws import atomic_mock_aws, make_session
from media import layout
from metrics.runtime import OpCounter, PeakTracker, StateSampler, StateSnapshot, classify_key, take_snapshot

BUCKET = "metrics-runtime-state"
TABLE = "metrics-runtime-state-jobs"


def test_key_classes_follow_the_media_layout() -> None:
    for key in (layout.input_key("j1", "in.mp4"), layout.chunk_key("j1", 3), layout.encoded_key("j1", 3),
                layout.output_key("j1")):
        assert classify_key(key) == "media", key
    for key in (layout.work_prefix("j1") + "manifest.json", "state/j1.json", "work/j1/done/00003",
                "locks/j1", "outputs/j1.mp4"):
        assert classify_key(key) == "workflow_state", key


@pytest.fixture
def aws():
    with atomic_mock_aws():
        session = make_session()
        s3, ddb = session.client("s3"), session.client("dynamodb")
        s3.create_bucket(Bucket=BUCKET)
        ddb.create_table(TableName=TABLE, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        yield session, s3, ddb


def test_snapshot_sizes_items_and_splits_objects(aws) -> None:
    _, s3, ddb = aws
    # job item: pk 2 + 5, status 6 + 7, chunks 6 + 2 = 28 bytes; chunk item: pk 2 + 9 = 11 bytes
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "job#1"}, "status": {"S": "RUNNING"}, "chunks": {"N": "12"}})
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "job#1#c00"}})
    s3.put_object(Bucket=BUCKET, Key=layout.input_key("j1", "in.mp4"), Body=b"v" * 700)
    s3.put_object(Bucket=BUCKET, Key=layout.chunk_key("j1", 0), Body=b"c" * 300)
    s3.put_object(Bucket=BUCKET, Key=layout.work_prefix("j1") + "manifest.json", Body=b"{}" * 20)
    snap = take_snapshot(dynamodb=ddb, table=TABLE, s3=s3, bucket=BUCKET, checkpointed_bytes=123)
    assert (snap.dynamodb_items, snap.dynamodb_item_bytes) == (2, 28 + 11)
    assert snap.dynamodb_storage_bytes == 28 + 11 + 2 * 100
    assert (snap.dynamodb_largest_item_bytes, snap.dynamodb_largest_item_key) == (28, "pk=job#1")
    assert (snap.s3_media_objects, snap.s3_media_bytes) == (2, 1000)
    assert (snap.s3_workflow_state_objects, snap.s3_workflow_state_bytes) == (1, 40)
    assert snap.checkpointed_bytes == 123
    assert snap.external_state_bytes == 39 + 40 + 123
    assert snap.to_dict()["external_state_bytes"] == 202


def test_missing_table_and_bucket_are_empty() -> None:
    with atomic_mock_aws():
        session = make_session()
        snap = take_snapshot(dynamodb=session.client("dynamodb"), table="absent",
                             s3=session.client("s3"), bucket="absent-bucket")
    assert (snap.dynamodb_items, snap.s3_media_bytes, snap.s3_workflow_state_bytes) == (0, 0, 0)


def test_peak_tracker_keeps_the_maximum_of_each_figure() -> None:
    tracker = PeakTracker()
    tracker.observe(StateSnapshot(dynamodb_items=1, dynamodb_largest_item_bytes=50,
                                  dynamodb_largest_item_key="pk=job", s3_media_bytes=10))
    tracker.observe(StateSnapshot(dynamodb_items=5, dynamodb_largest_item_bytes=20,
                                  dynamodb_largest_item_key="pk=c1", s3_media_bytes=900))
    tracker.observe(StateSnapshot(dynamodb_items=1, dynamodb_largest_item_bytes=60,
                                  dynamodb_largest_item_key="pk=job", s3_media_bytes=400))
    report = tracker.to_dict()
    assert report["samples"] == 3
    assert report["peak"]["dynamodb_items"] == 5 and report["peak"]["s3_media_bytes"] == 900
    assert report["peak"]["dynamodb_largest_item_bytes"] == 60
    assert report["peak"]["dynamodb_largest_item_key"] == "pk=job"
    assert report["end"]["s3_media_bytes"] == 400


def test_sampler_sees_a_transient_peak_and_is_not_counted(aws) -> None:
    session, s3, _ = aws
    measured = make_session()  # the run's session: the sampler's calls must not show up in its counts
    with OpCounter(measured) as ops:
        run_s3 = measured.client("s3")
        with StateSampler(lambda: take_snapshot(s3=s3, bucket=BUCKET), interval_s=0.02) as sampler:
            run_s3.put_object(Bucket=BUCKET, Key=layout.encoded_key("j1", 0), Body=b"e" * 5000)
            time.sleep(0.15)
            run_s3.delete_object(Bucket=BUCKET, Key=layout.encoded_key("j1", 0))
    report = sampler.tracker.to_dict()
    assert report["peak"]["s3_media_bytes"] == 5000
    assert report["end"]["s3_media_bytes"] == 0
    assert report["samples"] >= 3 and not sampler.errors
    assert ops.counts().calls == {"s3": {"PutObject": 1, "DeleteObject": 1}}
    assert not any(t.name == "state-sampler" and t.is_alive() for t in threading.enumerate())
