"""The operation counter's call sites against moto: each call's chain of repository frames (innermost first,
no botocore/boto3/moto/stdlib frame), whether it carried a condition, and the sites' round trip."""
from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Iterator

import boto3
import pytest
from boto3.dynamodb.conditions import Attr

from local_aws import atomic_mock_aws, make_session
from metrics.runtime import HARNESS_SETUP_OPERATIONS, OpCounter, OperationCounts
from metrics.runtime.call_sites import carries_condition, code_chain, is_code_file

BUCKET = "call-sites-test"
TABLE = "call-sites-jobs"
THIS_FILE = str(Path(__file__).resolve())


@pytest.fixture
def session() -> Iterator[boto3.session.Session]:
    with atomic_mock_aws():
        yield make_session()


def _line_of(marker: str) -> int:
    """The line of this file that holds ``marker`` (so the test does not hard-code line numbers)."""
    lines = Path(__file__).read_text().splitlines()
    return next(i for i, text in enumerate(lines, 1) if marker in text and "_line_of" not in text)


def _put_plain(ddb) -> None:
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "a"}})  # site: plain put


def _put_guarded(ddb) -> None:
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "b"}},  # site: guarded put
                 ConditionExpression="attribute_not_exists(pk)")


def _calls_through_wrapper(ddb) -> None:
    _put_plain(ddb)  # site: wrapper caller


def _make_table(ddb) -> None:
    ddb.create_table(TableName=TABLE, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")


def _by_operation(counts: OperationCounts) -> dict[str, list]:
    out: dict[str, list] = {}
    for site, calls in counts.sites.items():
        out.setdefault(f"{site.service}.{site.operation}", []).append((site, calls))
    return out


def test_each_call_records_its_chain_innermost_first_and_its_condition(session) -> None:
    with OpCounter(session) as ops:
        ddb, s3 = session.client("dynamodb"), session.client("s3")
        _make_table(ddb)
        for _ in range(2):  # the same chain twice: one site, two calls
            _put_plain(ddb)
        _put_guarded(ddb)
        _calls_through_wrapper(ddb)
        ddb.transact_write_items(TransactItems=[{"Put": {"TableName": TABLE, "Item": {"pk": {"S": "t"}}}}])
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="out.mp4", Body=b"x", IfNoneMatch="*")
        with pytest.raises(s3.exceptions.ClientError):  # a refused conditional PUT is still a conditional call
            s3.put_object(Bucket=BUCKET, Key="out.mp4", Body=b"y", IfNoneMatch="*")
        table = session.resource("dynamodb").Table(TABLE)
        table.put_item(Item={"pk": "c"}, ConditionExpression=Attr("pk").not_exists())  # the resource layer

    counts = ops.counts()
    assert sum(counts.sites.values()) == counts.total == 10
    puts = _by_operation(counts)["dynamodb.PutItem"]
    plain_line, guarded_line, wrapper_line = (_line_of("# site: plain put"), _line_of("# site: guarded put"),
                                              _line_of("# site: wrapper caller"))
    test_name = "test_each_call_records_its_chain_innermost_first_and_its_condition"

    def put_from(inner: str, outer: str) -> tuple:
        return next((s, n) for s, n in puts if s.chain[0].function == inner and s.chain[1].function == outer)

    # Two plain puts from the same place are one site with two calls; the wrapper's call is another chain.
    plain = put_from("_put_plain", test_name)
    assert plain[1] == 2 and plain[0].conditional is False and plain[0].chain[0].line == plain_line
    assert all(frame.file == THIS_FILE for frame in plain[0].chain)  # no library frame kept
    wrapped = put_from("_put_plain", "_calls_through_wrapper")
    assert wrapped[1] == 1 and wrapped[0].conditional is False and wrapped[0].chain[1].line == wrapper_line
    guarded = put_from("_put_guarded", test_name)
    assert guarded[0].chain[0].line == guarded_line and guarded[0].conditional is True and guarded[1] == 1
    resource = next((s, n) for s, n in puts if s.chain[0].function == test_name)
    assert resource[0].conditional is True  # ConditionExpression given as a condition object
    transaction, = _by_operation(counts)["dynamodb.TransactWriteItems"]
    assert transaction[0].conditional is True
    s3_puts = _by_operation(counts)["s3.PutObject"]  # two lines, two sites, both conditional
    assert len(s3_puts) == 2 and all(site.conditional and calls == 1 for site, calls in s3_puts)
    created, = _by_operation(counts)["dynamodb.CreateTable"]
    assert created[0].conditional is False and created[0].chain[0].function == "_make_table"


def test_calls_on_threads_record_the_thread_s_own_chain(session) -> None:
    with OpCounter(session) as ops:
        ddb = session.client("dynamodb")
        _make_table(ddb)
        worker = threading.Thread(target=_put_plain, args=(ddb,))
        worker.start()
        worker.join()
    site, = [s for s in ops.counts().sites if s.operation == "PutItem"]
    # The thread's stack starts in threading (stdlib, not kept): only the target's frame is left.
    assert [(f.function, f.file) for f in site.chain] == [("_put_plain", THIS_FILE)]


def test_sites_round_trip_add_up_and_drop_with_their_operations(session) -> None:
    with OpCounter(session) as ops:
        ddb = session.client("dynamodb")
        _make_table(ddb)
        _put_guarded(ddb)
    counts = ops.counts()
    again = OperationCounts.from_dict(counts.to_dict())
    assert again.sites == counts.sites and again == counts
    doubled = counts + again
    assert sorted(doubled.sites.values()) == [2, 2]
    workflow = counts.without(HARNESS_SETUP_OPERATIONS)
    assert [(s.operation, n) for s, n in workflow.sites.items()] == [("PutItem", 1)]
    assert counts.to_dict()["call_sites"][1]["chain"][0][:3] == [THIS_FILE, _line_of("# site: guarded put"),
                                                                 "_put_guarded"]


def test_condition_rules_and_which_files_are_code() -> None:
    assert carries_condition("PutItem", {"ConditionExpression": "attribute_not_exists(pk)"})
    assert carries_condition("UpdateItem", {"Expected": {"pk": {"Exists": False}}})
    assert carries_condition("PutObject", {"IfMatch": '"etag"'})
    assert carries_condition("TransactWriteItems", None)
    assert not carries_condition("PutItem", {"Item": {}})
    assert not carries_condition("GetObject", None)
    assert is_code_file(THIS_FILE)
    assert not is_code_file(threading.__file__) and not is_code_file(boto3.__file__)
    assert not is_code_file("<string>")
    chain = code_chain(sys._getframe())
    assert chain[0].file == THIS_FILE and chain[0].function == "test_condition_rules_and_which_files_are_code"
    assert all(is_code_file(frame.file) for frame in chain)


def test_a_site_spool_keeps_the_calls_of_a_worker_that_ends_with_os_exit(session, tmp_path) -> None:
    import os

    from local_aws.workers import FORK
    from metrics.runtime.call_sites import SiteSpool

    spool = SiteSpool(tmp_path / "spool")

    def worker() -> None:
        worker_session = make_session()
        spool(worker_session)  # as WorkerOptions.session_hooks run it, before any client is made
        ddb = worker_session.client("dynamodb")
        _make_table(ddb)
        _put_guarded(ddb)
        os._exit(137)  # a crash: no finally, no atexit, no buffer flushed

    process = FORK.Process(target=worker)
    process.start()
    process.join(30)
    assert process.exitcode == 137
    sites = spool.collect()
    assert sorted((s.operation, s.conditional, s.chain[0].function, n) for s, n in sites.items()) == [
        ("CreateTable", False, "_make_table", 1), ("PutItem", True, "_put_guarded", 1)]
