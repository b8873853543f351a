"""Request units per DynamoDB call, from the calls' own requests and responses, worked out by hand."""
from __future__ import annotations

import json

import pytest

from local_aws import atomic_mock_aws, make_session
from metrics.runtime import OpCounter
from metrics.runtime.capacity import DynamoDBCapacityMeter, RequestUnits

T = "jobs"


def key(pk: str) -> dict:
    return {"pk": {"S": pk}}


def big(pk: str, filler: int) -> dict:
    # size = pk 2 + len(pk) + "blob" 4 + filler
    return {**key(pk), "blob": {"S": "x" * filler}}


def test_put_update_delete_use_the_larger_known_size() -> None:
    meter = DynamoDBCapacityMeter()
    meter.set_key_schema(T, ["pk"])
    # 2 + 2 + 4 + 3000 = 3008 bytes -> 3 write units
    assert meter.observe("PutItem", {"TableName": T, "Item": big("j1", 3000)}, {}) == RequestUnits(write=3)
    # the update's request holds only the key and one small value, but the item it rewrites is 3008 bytes
    update = {"TableName": T, "Key": key("j1"), "UpdateExpression": "SET s = :s",
              "ExpressionAttributeValues": {":s": {"S": "DONE"}}}
    assert meter.observe("UpdateItem", update, {}) == RequestUnits(write=3)
    # replacing it with a small item still costs the larger (old) size
    assert meter.observe("PutItem", {"TableName": T, "Item": key("j1")}, {}) == RequestUnits(write=3)
    # now the item is 4 bytes: delete costs the minimum
    assert meter.observe("DeleteItem", {"TableName": T, "Key": key("j1")}, {}) == RequestUnits(write=1)
    assert meter.total() == RequestUnits(write=10)


def test_update_of_an_unseen_item_uses_returned_attributes_or_a_lower_bound() -> None:
    meter = DynamoDBCapacityMeter()
    request = {"TableName": T, "Key": key("j9"), "UpdateExpression": "SET b = :b", "ReturnValues": "ALL_NEW",
               "ExpressionAttributeValues": {":b": {"S": "y" * 10}}}
    assert meter.observe("UpdateItem", request, {"Attributes": big("j9", 2100)}) == RequestUnits(write=3)
    lower = {"TableName": T, "Key": key("j8"), "UpdateExpression": "SET b = :b",
             "ExpressionAttributeValues": {":b": {"S": "y" * 1100}}}
    # key 2 + 2 + value 1100 = 1104 bytes at least -> 2 units
    assert meter.observe("UpdateItem", lower, {}) == RequestUnits(write=2)


def test_failed_conditional_write_is_charged() -> None:
    meter = DynamoDBCapacityMeter()
    meter.set_key_schema(T, ["pk"])
    request = {"TableName": T, "Item": big("j1", 1500), "ConditionExpression": "attribute_not_exists(pk)"}
    error_body = {"__type": "ConditionalCheckFailedException", "Item": big("j1", 2500)}
    # the larger of the new (1508) and existing (2508) item -> 3 units
    units = meter.observe("PutItem", request, error_body, "ConditionalCheckFailedException")
    assert units == RequestUnits(write=3)


def test_reads_round_per_item_or_per_call() -> None:
    meter = DynamoDBCapacityMeter()
    found = {"Item": big("j1", 5000)}  # 5008 bytes -> 2 strong units, 1 eventual
    assert meter.observe("GetItem", {"TableName": T, "Key": key("j1"), "ConsistentRead": True}, found).read == 2
    assert meter.observe("GetItem", {"TableName": T, "Key": key("j1")}, found).read == 1
    assert meter.observe("GetItem", {"TableName": T, "Key": key("nope")}, {}).read == 0.5
    # a query returning 10 items of 2 + 2 + 4 + 498 = 506 bytes: 5,060 bytes in one call -> 2 strong
    # units, not 10 (a query rounds the total once)
    items = [big(f"c{i}", 498) for i in range(10)]
    assert meter.observe("Query", {"TableName": T, "ConsistentRead": True}, {"Items": items}).read == 2
    # batch get rounds each item: 2 items of 1508 bytes -> 1 + 1, eventually consistent -> 0.5 + 0.5
    batch = {"RequestItems": {T: {"Keys": [key("a"), key("b")]}}}
    response = {"Responses": {T: [big("a", 1500), big("b", 1500)]}}
    assert meter.observe("BatchGetItem", batch, response).read == 1.0


def test_transactions_count_every_item_twice_even_when_cancelled() -> None:
    meter = DynamoDBCapacityMeter()
    meter.set_key_schema(T, ["pk"])
    meter.observe("PutItem", {"TableName": T, "Item": big("job", 2000)}, {})  # 2008 bytes -> 2 units
    transaction = {"TransactItems": [
        {"Put": {"TableName": T, "Item": key("chunk#0")}},                               # 2 x 1
        {"Update": {"TableName": T, "Key": key("job"), "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}},                  # 2 x 2
        {"ConditionCheck": {"TableName": T, "Key": key("job"), "ConditionExpression": "x"}},  # 2 x 2
    ]}
    assert meter.observe("TransactWriteItems", transaction, {}) == RequestUnits(write=10)
    cancelled = meter.observe("TransactWriteItems", transaction, {"__type": "TransactionCanceledException"},
                              "TransactionCanceledException")
    assert cancelled == RequestUnits(write=10)
    gets = {"TransactItems": [{"Get": {"TableName": T, "Key": key("job")}}]}
    assert meter.observe("TransactGetItems", gets, {"Responses": [{"Item": big("job", 2000)}]}).read == 2


def test_other_operations_cost_nothing_and_bodies_may_be_raw_json() -> None:
    meter = DynamoDBCapacityMeter()
    create = {"TableName": T, "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}
    assert meter.observe_wire("CreateTable", json.dumps(create).encode(), b"{}") == RequestUnits()
    assert meter.observe_wire("PutItem", json.dumps({"TableName": T, "Item": big("j", 1100)}), None).write == 2
    # learned the key from CreateTable: the update knows the 1107-byte item
    update = {"TableName": T, "Key": key("j"), "UpdateExpression": "REMOVE blob"}
    assert meter.observe_wire("UpdateItem", json.dumps(update), b"not json") == RequestUnits(write=2)
    assert meter.by_operation() == {"CreateTable": {"read": 0.0, "write": 0.0},
                                    "PutItem": {"read": 0.0, "write": 2.0},
                                    "UpdateItem": {"read": 0.0, "write": 2.0}}


@pytest.fixture
def ddb_session():
    with atomic_mock_aws():
        yield make_session()


def test_meter_sees_real_calls_through_the_counter(ddb_session) -> None:
    session = ddb_session
    with OpCounter(session) as ops:
        ddb = session.client("dynamodb")
        ddb.create_table(TableName=T, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        ddb.put_item(TableName=T, Item=big("job", 3000))                      # 3008 B -> 3 W
        ddb.update_item(TableName=T, Key=key("job"), UpdateExpression="SET s = :s",
                        ExpressionAttributeValues={":s": {"S": "DONE"}})      # before 3008 -> 3 W
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": T, "Item": key("chunk#0"), "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"TableName": T, "Key": key("job"), "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        ])                                                                     # 2 x 1 + 2 x 3 = 8 W
        with pytest.raises(ddb.exceptions.TransactionCanceledException):
            ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": T, "Item": key("chunk#0"), "ConditionExpression": "attribute_not_exists(pk)"}},
            ])                                                                 # cancelled, still 2 W
        ddb.get_item(TableName=T, Key=key("job"))                             # eventual, 3 KB -> 0.5 R
        ddb.delete_item(TableName=T, Key=key("job"))                          # 3 W
    counts = ops.counts()
    assert counts.dynamodb_units["TransactWriteItems"] == {"read": 0.0, "write": 10.0}
    assert counts.dynamodb_request_units() == {"read": 0.5, "write": 3 + 3 + 8 + 2 + 3}
    assert counts.errors["dynamodb"] == {"TransactWriteItems": {"TransactionCanceledException": 1}}


def test_failed_update_uses_the_existing_item_it_returned() -> None:
    meter = DynamoDBCapacityMeter()
    request = {"TableName": T, "Key": key("j7"), "UpdateExpression": "SET s = :s", "ConditionExpression": "x",
               "ReturnValuesOnConditionCheckFailure": "ALL_OLD", "ExpressionAttributeValues": {":s": {"S": "A"}}}
    error_body = {"__type": "ConditionalCheckFailedException", "Item": big("j7", 4000)}  # 4,008 bytes
    assert meter.observe("UpdateItem", request, error_body, "ConditionalCheckFailedException").write == 4
