"""Request units each DynamoDB call consumed, estimated from the call's own request and response.

moto reports no real consumed capacity (its ``ConsumedCapacity`` is a constant), so the meter applies
AWS's rules (see :mod:`metrics.runtime.item_size` for the sources) to what each call carried:

==================  ==========================================================================================
GetItem             read units of the returned item (the minimum when there is none); ``ConsistentRead``
BatchGetItem        each requested key as a GetItem (rounded per item)
Query, Scan         read units of the total size of the returned items, rounded once per call (a Scan is
                    charged for the items it evaluates: with a filter this is a lower bound)
PutItem             write units of the larger of the new item and the item it replaced
UpdateItem          write units of the larger of the item before and after the update
DeleteItem          write units of the deleted item
BatchWriteItem      each put or delete as above (rounded per item)
TransactWriteItems  each action twice (prepare and commit); a ConditionCheck counts as a write of its item
TransactGetItems    each item as a transactional read
==================  ==========================================================================================

A failed conditional write or a cancelled transaction still consumes its units: AWS charges them
(read-write-operations.html, and for transactions, "two underlying reads or writes of every item ...
consumed even when a transaction does not succeed",
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html, read 2026-11-30).

The size of an item before an update or a delete is not in the request. The meter keeps the last size it
saw for each item (by table and key) from earlier requests and responses of the same run; when it has
never seen the item, it uses the returned attributes if the call asked for them, else the key plus the
update's values, which is a lower bound. Items of this project's tables are written by the run itself, so
the meter has usually seen them.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from .item_size import attribute_value_size, item_size, read_units, write_units

Item = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class RequestUnits:
    read: float = 0.0
    write: float = 0.0

    def __add__(self, other: "RequestUnits") -> "RequestUnits":
        return RequestUnits(self.read + other.read, self.write + other.write)


class DynamoDBCapacityMeter:
    """Feed it every DynamoDB call with :meth:`observe`; it sums the request units by operation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._item_bytes: dict[tuple[str, str], int] = {}
        self._key_names: dict[str, frozenset[str]] = {}
        self._by_operation: dict[str, RequestUnits] = {}

    # -- public -------------------------------------------------------------------------------------------
    def observe(self, operation: str, request: Mapping[str, Any], response: Mapping[str, Any] | None,
                error_code: str | None = None) -> RequestUnits:
        """Record one call (request and response as DynamoDB's wire JSON) and return its units."""
        rule = getattr(self, f"_{operation}") if operation in _RULES else None
        with self._lock:
            units = rule(request, response or {}, error_code) if rule else RequestUnits()
            self._by_operation[operation] = self._by_operation.get(operation, RequestUnits()) + units
        return units

    def observe_wire(self, operation: str, request_body: bytes | str | None, response_body: bytes | str | None,
                     error_code: str | None = None) -> RequestUnits:
        """:meth:`observe` with raw JSON bodies, as they travel over HTTP."""
        return self.observe(operation, _load(request_body), _load(response_body), error_code)

    def by_operation(self) -> dict[str, dict[str, float]]:
        with self._lock:
            return {op: {"read": u.read, "write": u.write} for op, u in sorted(self._by_operation.items())}

    def total(self) -> RequestUnits:
        with self._lock:
            return sum(self._by_operation.values(), RequestUnits())

    def set_key_schema(self, table: str, key_names: Iterable[str]) -> None:
        """Tell the meter a table's key attributes (it also learns them from CreateTable, DescribeTable and
        any call that names a ``Key``), so that items it sees whole can be matched to later updates."""
        with self._lock:
            self._key_names[table] = frozenset(key_names)

    # -- item sizes known so far ---------------------------------------------------------------------------
    def _learn_key(self, table: str, key: Item) -> None:
        if key:
            self._key_names.setdefault(table, frozenset(key))

    def _key_of(self, table: str, item: Item) -> tuple[str, str] | None:
        names = self._key_names.get(table)
        if not names or not names <= item.keys():
            return None
        return table, json.dumps({n: item[n] for n in sorted(names)}, sort_keys=True)

    def _ident(self, table: str, key: Item) -> tuple[str, str]:
        self._learn_key(table, key)
        return table, json.dumps(dict(sorted(key.items())), sort_keys=True)

    def _remember(self, table: str, item: Item | None) -> None:
        ident = self._key_of(table, item) if item else None
        if ident is not None:
            self._item_bytes[ident] = item_size(item)

    def _known(self, table: str, key: Item) -> int | None:
        return self._item_bytes.get(self._ident(table, key))

    def _learn_schema(self, description: Mapping) -> RequestUnits:
        names = [k["AttributeName"] for k in description.get("KeySchema", []) if "AttributeName" in k]
        if description.get("TableName") and names:
            self._key_names[description["TableName"]] = frozenset(names)
        return RequestUnits()

    def _CreateTable(self, request: Mapping, response: Mapping, error: str | None) -> RequestUnits:
        return self._learn_schema(request)

    def _DescribeTable(self, request: Mapping, response: Mapping, error: str | None) -> RequestUnits:
        return self._learn_schema(response.get("Table", {}))

    # -- reads ---------------------------------------------------------------------------------------------
    def _GetItem(self, request: Mapping, response: Mapping, error: str | None) -> RequestUnits:
        table, key = request.get("TableName", ""), request.get("Key", {})
        self._learn_key(table, key)
        found = response.get("Item")
        self._remember(table, found)
        consistency = "strong" if request.get("ConsistentRead") else "eventual"
        return RequestUnits(read=read_units(item_size(found), consistency=consistency))

    def _BatchGetItem(self, request: Mapping, response: Mapping, error: str | None) -> RequestUnits:
        total = 0.0
        for table, spec in request.get("RequestItems", {}).items():
            consistency = "strong" if spec.get("ConsistentRead") else "eventual"
            returned = list(response.get("Responses", {}).get(table, []))
            unprocessed = len(response.get("UnprocessedKeys", {}).get(table, {}).get("Keys", []))
            for key in spec.get("Keys", []):
                self._learn_key(table, key)
            for item in returned:
                self._remember(table, item)
                total += read_units(item_size(item), consistency=consistency)
            missing = max(0, len(spec.get("Keys", [])) - unprocessed - len(returned))
            total += missing * read_units(0, consistency=consistency)
        return RequestUnits(read=total)

    def _read_many(self, request: Mapping, response: Mapping) -> RequestUnits:
        table = request.get("TableName", "")
        items = response.get("Items", [])
        for item in items:
            self._remember(table, item)
        consistency = "strong" if request.get("ConsistentRead") else "eventual"
        return RequestUnits(read=read_units(sum(item_size(i) for i in items), consistency=consistency))

    def _Query(self, request: Mapping, response: Mapping, error: str | None) -> RequestUnits:
        return self._read_many(request, response)

    def _Scan(self, request: Mapping, response: Mapping, error: str | None) -> RequestUnits:
        return self._read_many(request, response)

    def _TransactGetItems(self, request: Mapping, response: Mapping, error: str | None) -> RequestUnits:
        actions = [a["Get"] for a in request.get("TransactItems", []) if "Get" in a]
        returned = response.get("Responses", [])
        total = 0.0
        for index, get in enumerate(actions):
            self._learn_key(get.get("TableName", ""), get.get("Key", {}))
            item = returned[index].get("Item") if index < len(returned) else None
            self._remember(get.get("TableName", ""), item)
            total += read_units(item_size(item), consistency="transactional")
        return RequestUnits(read=total)

    # -- writes --------------------------------------------------------------------------------------------
    def _put_bytes(self, table: str, item: Item, old: Item | None) -> int:
        key = self._key_of(table, item)
        before = item_size(old) if old else (self._item_bytes.get(key, 0) if key else 0)
        return max(item_size(item), before)

    def _update_bytes(self, table: str, key: Item, values: Mapping[str, Item] | None, seen: Item | None) -> int:
        """The larger of the item before and after an update, as far as it is known (see the module doc)."""
        lower_bound = item_size(key) + sum(attribute_value_size(v) for v in (values or {}).values())
        return max(self._known(table, key) or 0, item_size(seen), lower_bound)

    def _PutItem(self, request: Mapping, response: Mapping, error: str | None) -> RequestUnits:
        table, item = request.get("TableName", ""), request.get("Item", {})
        old = response.get("Attributes") or response.get("Item")
        size = self._put_bytes(table, item, old)
        if error is None:
            self._remember(table, item)
        return RequestUnits(write=write_units(size))

    def _UpdateItem(self, request: Mapping, response: Mapping, error: str | None) -> RequestUnits:
        table, key = request.get("TableName", ""), request.get("Key", {})
        whole = request.get("ReturnValues") in ("ALL_OLD", "ALL_NEW")
        # a whole item comes back with ReturnValues ALL_*, or with a failed condition (ReturnValuesOn...)
        seen = response.get("Item") if error else (response.get("Attributes") if whole else None)
        size = self._update_bytes(table, key, request.get("ExpressionAttributeValues"), seen)
        if error is None:
            after = request.get("ReturnValues") == "ALL_NEW" and response.get("Attributes")
            self._item_bytes[self._ident(table, key)] = item_size(after) if after else size
        return RequestUnits(write=write_units(size))

    def _DeleteItem(self, request: Mapping, response: Mapping, error: str | None) -> RequestUnits:
        table, key = request.get("TableName", ""), request.get("Key", {})
        old = response.get("Attributes") or response.get("Item")
        size = item_size(old) if old else (self._known(table, key) or item_size(key))
        if error is None:
            self._item_bytes.pop(self._ident(table, key), None)
        return RequestUnits(write=write_units(size))

    def _BatchWriteItem(self, request: Mapping, response: Mapping, error: str | None) -> RequestUnits:
        total = 0
        for table, writes in request.get("RequestItems", {}).items():
            for write in writes:
                if "PutRequest" in write:
                    item = write["PutRequest"].get("Item", {})
                    total += write_units(self._put_bytes(table, item, None))
                    self._remember(table, item)
                elif "DeleteRequest" in write:
                    key = write["DeleteRequest"].get("Key", {})
                    total += write_units(self._known(table, key) or item_size(key))
                    self._item_bytes.pop(self._ident(table, key), None)
        return RequestUnits(write=total)

    def _TransactWriteItems(self, request: Mapping, response: Mapping, error: str | None) -> RequestUnits:
        total = 0
        committed = error is None
        for action in request.get("TransactItems", []):
            total += write_units(self._transact_action_bytes(action, committed), transactional=True)
        return RequestUnits(write=total)

    def _transact_action_bytes(self, action: Mapping, committed: bool) -> int:
        if "Put" in action:
            put = action["Put"]
            size = self._put_bytes(put.get("TableName", ""), put.get("Item", {}), None)
            if committed:
                self._remember(put.get("TableName", ""), put.get("Item", {}))
            return size
        if "Update" in action:
            update = action["Update"]
            table, key = update.get("TableName", ""), update.get("Key", {})
            size = self._update_bytes(table, key, update.get("ExpressionAttributeValues"), None)
            if committed:
                self._item_bytes[self._ident(table, key)] = size
            return size
        kind = "Delete" if "Delete" in action else "ConditionCheck"
        spec = action.get(kind, {})
        table, key = spec.get("TableName", ""), spec.get("Key", {})
        size = self._known(table, key) or item_size(key)
        if committed and kind == "Delete":
            self._item_bytes.pop(self._ident(table, key), None)
        return size


_RULES = frozenset({
    "CreateTable", "DescribeTable", "GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems", "PutItem",
    "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems",
})


def _load(body: bytes | str | None) -> dict:
    if not body:
        return {}
    try:
        loaded = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


