"""The operation counter on a real boto3 Session against moto: every call counted by service and operation,
errors, bytes, s3transfer's internal calls, threads, and clients made before or after the counter."""
from __future__ import annotations

import io
import sys
import threading
from typing import Iterator

import boto3
import pytest
from boto3.s3.transfer import TransferConfig

from local_aws import atomic_mock_aws, make_session
from metrics.runtime import HARNESS_SETUP_OPERATIONS, OpCounter, OperationCounts

BUCKET = "metrics-runtime-test"
TABLE = "metrics-runtime-jobs"
MB = 1024 * 1024


@pytest.fixture
def session() -> Iterator[boto3.session.Session]:
    with atomic_mock_aws():
        yield make_session()


def _create_table(ddb) -> None:
    ddb.create_table(TableName=TABLE, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")


def test_counts_each_call_by_service_and_operation_with_errors_and_bytes(session) -> None:
    with OpCounter(session) as ops:
        s3, ddb = session.client("s3"), session.client("dynamodb")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="input/j1/a.mp4", Body=b"x" * 1000)
        assert s3.get_object(Bucket=BUCKET, Key="input/j1/a.mp4")["Body"].read() == b"x" * 1000
        with pytest.raises(s3.exceptions.ClientError):
            s3.head_object(Bucket=BUCKET, Key="input/j1/missing.mp4")
        s3.delete_object(Bucket=BUCKET, Key="input/j1/a.mp4")
        _create_table(ddb)
        job = {"pk": {"S": "job#1"}, "status": {"S": "RUNNING"}, "done": {"N": "0"}}
        ddb.put_item(TableName=TABLE, Item=job)
        with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
            ddb.put_item(TableName=TABLE, Item=job, ConditionExpression="attribute_not_exists(pk)")
        ddb.update_item(TableName=TABLE, Key={"pk": {"S": "job#1"}}, UpdateExpression="ADD done :one",
                        ExpressionAttributeValues={":one": {"N": "1"}})
        ddb.get_item(TableName=TABLE, Key={"pk": {"S": "job#1"}}, ConsistentRead=True)

    counts = ops.counts()
    assert counts.calls == {
        "s3": {"CreateBucket": 1, "PutObject": 1, "GetObject": 1, "HeadObject": 1, "DeleteObject": 1},
        "dynamodb": {"CreateTable": 1, "PutItem": 2, "UpdateItem": 1, "GetItem": 1},
    }
    assert counts.total == 10 and counts.by_service() == {"dynamodb": 5, "s3": 5}
    assert counts.errors == {"s3": {"HeadObject": {"404": 1}},
                             "dynamodb": {"PutItem": {"ConditionalCheckFailedException": 1}}}
    assert counts.attempts == counts.calls  # no retries against moto
    assert counts.request_bytes["s3"]["PutObject"] == 1000
    assert counts.response_bytes["s3"]["GetObject"] == 1000
    # job item: pk 2+5, status 6+7, done 4+2 = 26 bytes -> 1 write unit per write, failed put included;
    # the strongly consistent get of the 26-byte item -> 1 read unit.
    assert counts.dynamodb_request_units() == {"read": 1.0, "write": 3.0}
    assert counts.without(HARNESS_SETUP_OPERATIONS).total == 8


def test_counts_s3transfer_multipart_calls(session) -> None:
    config = TransferConfig(multipart_threshold=5 * MB, multipart_chunksize=5 * MB, max_concurrency=2)
    with OpCounter(session) as ops:
        s3 = session.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.upload_fileobj(io.BytesIO(b"y" * (11 * MB)), BUCKET, "work/j1/chunks/00000.mkv", Config=config)
        sink = io.BytesIO()
        s3.download_fileobj(BUCKET, "work/j1/chunks/00000.mkv", sink, Config=config)
    assert sink.getbuffer().nbytes == 11 * MB
    calls = ops.counts().calls["s3"]
    # 11 MB in 5 MB parts: 3 parts up; down: one HEAD for the size, then 3 ranged GETs.
    assert calls == {"CreateBucket": 1, "CreateMultipartUpload": 1, "UploadPart": 3,
                     "CompleteMultipartUpload": 1, "HeadObject": 1, "GetObject": 3}
    counts = ops.counts()
    assert counts.request_bytes["s3"]["UploadPart"] == 11 * MB
    assert counts.response_bytes["s3"]["GetObject"] == 11 * MB


def test_thread_safe_under_many_threads(session) -> None:
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with OpCounter(session) as ops:
            ddb = session.client("dynamodb")
            _create_table(ddb)

            def writer(worker: int) -> None:
                for i in range(25):
                    ddb.put_item(TableName=TABLE, Item={"pk": {"S": f"w{worker}-{i}"}})

            threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        sys.setswitchinterval(previous)
    counts = ops.counts()
    assert counts.count("dynamodb", "PutItem") == 200
    assert counts.attempts["dynamodb"]["PutItem"] == 200
    assert counts.dynamodb_units["PutItem"]["write"] == 200


def test_clients_made_before_need_attach_and_nothing_counts_after_exit(session) -> None:
    early = session.client("s3")
    early.create_bucket(Bucket=BUCKET)
    with OpCounter(session) as ops:
        early.list_objects_v2(Bucket=BUCKET)  # made before the counter: not seen
        assert ops.counts().total == 0
        ops.attach(early)
        early.list_objects_v2(Bucket=BUCKET)
        inside = session.client("s3")
        inside.list_objects_v2(Bucket=BUCKET)
    inside.list_objects_v2(Bucket=BUCKET)  # after exit: handlers held by the client do nothing
    early.list_objects_v2(Bucket=BUCKET)
    assert ops.counts().calls == {"s3": {"ListObjectsV2": 2}}


def test_nested_counters_each_see_their_calls(session) -> None:
    with OpCounter(session) as outer:
        s3 = session.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        with OpCounter(session) as inner:
            session.client("s3").list_objects_v2(Bucket=BUCKET)
    assert inner.counts().total == 1
    assert outer.counts().calls == {"s3": {"CreateBucket": 1, "ListObjectsV2": 1}}


def test_counts_round_trip_through_dicts_and_add_up(session) -> None:
    with OpCounter(session) as ops:
        s3 = session.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="status.json", Body=b"{}")
    counts = ops.counts()
    again = OperationCounts.from_dict(counts.to_dict())
    assert again == counts
    doubled = (counts + again).to_dict()
    assert doubled["total"] == 4
    assert doubled["by_operation"] == {"s3": {"CreateBucket": 2, "PutObject": 2}}
    assert doubled["bytes_total"]["request"] == 2 * counts.to_dict()["bytes_total"]["request"]


def test_reset_forgets_what_was_counted(session) -> None:
    with OpCounter(session) as ops:
        s3 = session.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        ops.reset()
        s3.list_objects_v2(Bucket=BUCKET)
    assert ops.counts().calls == {"s3": {"ListObjectsV2": 1}}


def test_counts_calls_to_a_moto_server_endpoint() -> None:
    from local_aws import AtomicMotoServer

    with AtomicMotoServer() as server:
        session = make_session()
        with OpCounter(session) as ops:
            s3 = session.client("s3", endpoint_url=server.endpoint_url)
            table = session.resource("dynamodb", endpoint_url=server.endpoint_url)
            s3.create_bucket(Bucket=BUCKET)
            s3.put_object(Bucket=BUCKET, Key="output/j1.mp4", Body=b"o" * 2048)
            assert len(s3.get_object(Bucket=BUCKET, Key="output/j1.mp4")["Body"].read()) == 2048
            created = table.create_table(TableName=TABLE, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                                         BillingMode="PAY_PER_REQUEST")
            created.put_item(Item={"pk": "job#1", "blob": "x" * 1500})  # the resource layer: plain values
    counts = ops.counts()
    assert counts.calls == {"s3": {"CreateBucket": 1, "PutObject": 1, "GetObject": 1},
                            "dynamodb": {"CreateTable": 1, "PutItem": 1}}
    assert counts.response_bytes["s3"]["GetObject"] == 2048
    # pk 2 + 5, blob 4 + 1500 = 1511 bytes -> 2 write units
    assert counts.dynamodb_request_units() == {"read": 0.0, "write": 2.0}


def test_a_failing_meter_never_breaks_the_measured_call(session, monkeypatch) -> None:
    with OpCounter(session) as ops:
        def broken(*args, **kwargs):
            raise RuntimeError("meter bug")

        monkeypatch.setattr(ops.capacity, "observe_wire", broken)
        ddb = session.client("dynamodb")
        assert ddb.list_tables()["TableNames"] == []
    assert ops.counts().calls == {"dynamodb": {"ListTables": 1}}
    assert ops.meter_errors == ["ListTables: RuntimeError: meter bug"]
