"""The one DynamoDB table: item keys, leases, and conditional updates that report the current item.

Single-table design: every item of a job shares the partition key ``JOB#{job_id}``; the job item has the
sort key ``JOB`` and chunk ``i`` the sort key ``CHUNK#{i:05d}``, so one Query returns a whole job.
Every write is an ``UpdateItem`` with a condition; a refused write raises with the item as it is now.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from .exceptions import StateConflictError

RUNNING = "RUNNING"
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
DONE = "DONE"

#: A lease is free when nobody holds it, this invocation holds it, or its holder's deadline has passed.
LEASE_FREE = "(attribute_not_exists(#lease_owner) OR #lease_owner = :owner OR #lease_expires < :now)"

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
_NAME = re.compile(r"#(\w+)")


class LambdaContext(Protocol):
    aws_request_id: str

    def get_remaining_time_in_millis(self) -> int: ...


@dataclass(frozen=True)
class Lease:
    """Who holds a piece of work, and until when.

    The owner is the invocation's request id, which Lambda keeps when it retries an asynchronous event,
    so a retry after a crash takes its own work back at once while a duplicate delivery (another request
    id) leaves it alone. The lease ends at the invocation's deadline: after that its holder is dead.
    """

    owner: str
    expires_ms: int
    now_ms: int

    @classmethod
    def for_invocation(cls, context: LambdaContext) -> "Lease":
        now = time.time_ns() // 1_000_000
        return cls(context.aws_request_id, now + context.get_remaining_time_in_millis(), now)

    def values(self) -> dict[str, Any]:
        return {":owner": self.owner, ":expires": self.expires_ms, ":now": self.now_ms}

    def held_by_other(self, item: dict) -> bool:
        owner = item.get("lease_owner")
        return owner is not None and owner != self.owner and item.get("lease_expires", 0) >= self.now_ms


def job_key(job_id: str) -> dict:
    return {"pk": {"S": f"JOB#{job_id}"}, "sk": {"S": "JOB"}}


def chunk_key(job_id: str, index: int) -> dict:
    return {"pk": {"S": f"JOB#{job_id}"}, "sk": {"S": f"CHUNK#{index:05d}"}}


def to_attribute(value: Any) -> dict:
    return _serializer.serialize(_decimals(value))


def from_item(item: dict | None) -> dict | None:
    if item is None:
        return None
    return {name: _plain(_deserializer.deserialize(value)) for name, value in item.items()}


class Table:
    """Conditional writes on one table through a low-level DynamoDB client."""

    def __init__(self, client: Any, name: str) -> None:
        self.client = client
        self.name = name

    def update(
        self,
        key: dict,
        update: str,
        condition: str,
        values: dict[str, Any],
        *,
        returns: str = "NONE",
        conflict: type[StateConflictError] = StateConflictError,
    ) -> dict | None:
        """``UpdateItem`` with ``condition``; attribute names are written ``#name`` and aliased here,
        since DynamoDB reserves many plain words (``status``, ``stage``...)."""
        expressions = update + " " + condition
        try:
            response = self.client.update_item(
                TableName=self.name,
                Key=key,
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames={f"#{name}": name for name in _NAME.findall(expressions)},
                ExpressionAttributeValues={name: to_attribute(value) for name, value in values.items()},
                ReturnValues=returns,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self.client.exceptions.ConditionalCheckFailedException as refused:
            raise conflict(f"conditional update refused: {condition}", from_item(refused.response.get("Item"))) from None
        return from_item(response.get("Attributes"))

    def get(self, key: dict) -> dict | None:
        return from_item(self.client.get_item(TableName=self.name, Key=key, ConsistentRead=True).get("Item"))


def _decimals(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, set)):
        return type(value)(_plain(v) for v in value)
    return value
