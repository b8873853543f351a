"""Checkpoint payload sizes by operation type, read from the durable test runner's execution stores.

The service rejects a checkpoint whose payload is over 256 KB, but not every payload counts against that
limit the same way: a child context (a map) whose result is larger is checkpointed as a summary and its
result rebuilt by replaying its children (``ReplayChildren``; aws_durable_execution_sdk_python
``operation/child.py``, ``CHECKPOINT_SIZE_LIMIT_BYTES``). So the figure that meets the limit is the
largest *step* or *invoke* payload; the largest payload of all, which the runner's facts report, can be a
map's result. The measuring process watches every ``InMemoryExecutionStore`` made while a job runs (the
harness makes its own and passes it to the runner) and sizes payloads as the durable harness does: the
payload text plus an error's JSON.
"""
from __future__ import annotations

import contextlib
import json
from typing import Any, Iterator

#: Operation types whose results a larger-than-limit payload cannot be replaced for.
LIMITED_TYPES = ("STEP", "CHAINED_INVOKE")


def _payload_bytes(update: Any) -> int:
    error = json.dumps(update.error.to_dict()) if update.error else ""
    return len(update.payload or "") + len(error)


@contextlib.contextmanager
def watching_execution_stores() -> Iterator[list]:
    """Yields a list that fills with every in-memory execution store created meanwhile (empty when the
    durable testing package is not installed)."""
    stores: list = []
    try:
        from aws_durable_execution_sdk_python_testing.stores.memory import InMemoryExecutionStore
    except ImportError:
        yield stores
        return
    original = InMemoryExecutionStore.__init__

    def remembering_init(self, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        stores.append(self)

    InMemoryExecutionStore.__init__ = remembering_init
    try:
        yield stores
    finally:
        InMemoryExecutionStore.__init__ = original


def payloads_by_type(stores: list) -> dict[str, dict[str, int]]:
    """``{operation type: {"updates", "bytes", "largest"}}`` over every execution of the stores."""
    figures: dict[str, dict[str, int]] = {}
    for store in stores:
        for execution in store.list_all():
            for update in execution.updates:
                size = _payload_bytes(update)
                entry = figures.setdefault(update.operation_type.value, {"updates": 0, "bytes": 0, "largest": 0})
                entry["updates"] += 1
                entry["bytes"] += size
                entry["largest"] = max(entry["largest"], size)
    return dict(sorted(figures.items()))


def largest_limited_payload(by_type: dict[str, dict[str, int]]) -> int | None:
    """The largest payload the 256 KB checkpoint limit applies to (steps and invokes), None if none."""
    sizes = [by_type[t]["largest"] for t in LIMITED_TYPES if t in by_type]
    return max(sizes) if sizes else None


def payload_bytes_by_execution(stores: list) -> dict[str, int]:
    """Checkpoint payload bytes each execution wrote, by its ARN: the 100 MB storage quota and the retention
    period both apply execution by execution."""
    return {execution.durable_execution_arn: sum(_payload_bytes(update) for update in execution.updates)
            for store in stores for execution in store.list_all()}
