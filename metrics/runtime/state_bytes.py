"""Snapshots of a job's external state: DynamoDB items, S3 objects split into workflow state and media,
and checkpointed bytes, with the peak over a run.

S3 keys are classed by the layout of ``media/layout.py``: ``input/``, ``output/``,
``work/{job}/chunks/`` and ``work/{job}/encoded/`` hold media (the video itself, in whichever stage);
any other key is workflow state (a manifest, a marker, a lock). DynamoDB items are all workflow state,
sized by AWS's rules (:mod:`metrics.runtime.item_size`); their billed storage adds 100 bytes per item.
Checkpointed bytes cannot be read from outside: the durable runner reports them and the caller passes the
number in.

Take snapshots with clients of a Session the :class:`~metrics.runtime.op_counter.OpCounter` does not
watch, so that measuring does not add to the operations measured.
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Callable

from botocore.exceptions import ClientError

from .item_size import item_size, storage_bytes

MEDIA = "media"
WORKFLOW_STATE = "workflow_state"

_MEDIA_KEY = re.compile(r"^(input/|output/|work/[^/]+/(chunks|encoded)/)")
_MISSING = {"ResourceNotFoundException", "NoSuchBucket", "404"}


def classify_key(key: str) -> str:
    """``"media"`` for the video in any stage of the key layout, ``"workflow_state"`` for anything else."""
    return MEDIA if _MEDIA_KEY.match(key) else WORKFLOW_STATE


@dataclass(frozen=True)
class StateSnapshot:
    taken_at_s: float = 0.0
    dynamodb_items: int = 0
    dynamodb_item_bytes: int = 0
    dynamodb_storage_bytes: int = 0
    dynamodb_largest_item_bytes: int = 0
    dynamodb_largest_item_key: str | None = None
    s3_workflow_state_objects: int = 0
    s3_workflow_state_bytes: int = 0
    s3_media_objects: int = 0
    s3_media_bytes: int = 0
    checkpointed_bytes: int = 0

    @property
    def external_state_bytes(self) -> int:
        """Bytes of workflow state kept outside the function: DynamoDB items, S3 state objects, checkpoints."""
        return self.dynamodb_item_bytes + self.s3_workflow_state_bytes + self.checkpointed_bytes

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "external_state_bytes": self.external_state_bytes}


def _dynamodb_figures(client: Any, table: str) -> dict[str, Any]:
    sizes: list[tuple[int, dict]] = []
    try:
        for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
            sizes.extend((item_size(item), item) for item in page.get("Items", []))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _MISSING:
            return {}
        raise
    if not sizes:
        return {}
    largest_bytes, largest = max(sizes, key=lambda pair: pair[0])
    return {
        "dynamodb_items": len(sizes),
        "dynamodb_item_bytes": sum(size for size, _ in sizes),
        "dynamodb_storage_bytes": sum(storage_bytes(size) for size, _ in sizes),
        "dynamodb_largest_item_bytes": largest_bytes,
        "dynamodb_largest_item_key": _describe_item(client, table, largest),
    }


_key_names: dict[tuple[int, str], list[str]] = {}


def _describe_item(client: Any, table: str, item: dict) -> str:
    """The largest item's key attributes (from the table's schema), so a report can say which item grew."""
    cache_key = (id(client), table)
    if cache_key not in _key_names:
        try:
            schema = client.describe_table(TableName=table)["Table"]["KeySchema"]
        except ClientError:
            return "?"
        _key_names[cache_key] = [k["AttributeName"] for k in schema]
    names = _key_names[cache_key]
    return ", ".join(f"{n}={next(iter(item[n].values()))}" for n in names if n in item) or "?"


def _s3_figures(client: Any, bucket: str, prefix: str) -> dict[str, int]:
    figures = {"s3_workflow_state_objects": 0, "s3_workflow_state_bytes": 0, "s3_media_objects": 0,
               "s3_media_bytes": 0}
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                kind = classify_key(obj["Key"])
                figures[f"s3_{kind}_objects"] += 1
                figures[f"s3_{kind}_bytes"] += obj["Size"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _MISSING:
            return figures
        raise
    return figures


def take_snapshot(*, dynamodb: Any = None, table: str | None = None, s3: Any = None, bucket: str | None = None,
                  prefix: str = "", checkpointed_bytes: int = 0) -> StateSnapshot:
    """One snapshot. Pass a DynamoDB client and table, an S3 client and bucket, either or both; a table or
    bucket that does not exist counts as empty."""
    figures: dict[str, Any] = {"taken_at_s": time.time(), "checkpointed_bytes": checkpointed_bytes}
    if dynamodb is not None and table:
        figures.update(_dynamodb_figures(dynamodb, table))
    if s3 is not None and bucket:
        figures.update(_s3_figures(s3, bucket, prefix))
    return StateSnapshot(**figures)


class PeakTracker:
    """Keeps the first, last and field-by-field maximum of the snapshots it is shown."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.samples = 0
        self.first: StateSnapshot | None = None
        self.last: StateSnapshot | None = None
        self.peak: StateSnapshot | None = None

    def observe(self, snapshot: StateSnapshot) -> None:
        with self._lock:
            self.samples += 1
            self.first = self.first or snapshot
            self.last = snapshot
            self.peak = snapshot if self.peak is None else _field_max(self.peak, snapshot)

    def to_dict(self) -> dict[str, Any]:
        """``peak`` (maximum of each figure over the run), ``end`` (the last snapshot) and ``samples``."""
        with self._lock:
            return {
                "peak": self.peak.to_dict() if self.peak else None,
                "end": self.last.to_dict() if self.last else None,
                "samples": self.samples,
            }


def _field_max(a: StateSnapshot, b: StateSnapshot) -> StateSnapshot:
    values = {}
    for f in fields(StateSnapshot):
        if f.name == "dynamodb_largest_item_key":
            continue
        values[f.name] = max(getattr(a, f.name), getattr(b, f.name))
    bigger = b if b.dynamodb_largest_item_bytes > a.dynamodb_largest_item_bytes else a
    return replace(a, **values, dynamodb_largest_item_key=bigger.dynamodb_largest_item_key)


class StateSampler:
    """Takes a snapshot every ``interval_s`` on a background thread while a job runs, and a last one on exit.

    ``with StateSampler(lambda: take_snapshot(...)) as sampler: run()`` then ``sampler.tracker.to_dict()``.

    With ``max_busy_fraction`` the pause after a snapshot is stretched so that sampling takes at most that
    fraction of the time: a snapshot lists the whole bucket and scans the whole table, which on moto takes
    ~0.7 s with 256 chunks' objects and items, holds moto's request lock meanwhile and would slow the job
    it measures. State that lasts a stage (chunks, parts, a job item) is still seen.
    """

    def __init__(self, snapshot: Callable[[], StateSnapshot], interval_s: float = 0.25,
                 max_busy_fraction: float | None = None) -> None:
        if max_busy_fraction is not None and not 0 < max_busy_fraction <= 1:
            raise ValueError(f"max_busy_fraction must be within (0, 1], got {max_busy_fraction}")
        self._snapshot = snapshot
        self._interval_s = interval_s
        self._max_busy_fraction = max_busy_fraction
        self._last_cost_s = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.tracker = PeakTracker()
        self.errors: list[str] = []

    def _sample(self, *, paced: bool = True) -> None:
        started = time.perf_counter()
        try:
            self.tracker.observe(self._snapshot())
        except Exception as error:  # a failed sample must not fail the run it measures; it is reported
            self.errors.append(f"{type(error).__name__}: {error}")
        if paced:
            self._last_cost_s = time.perf_counter() - started

    def _pause_s(self) -> float:
        if self._max_busy_fraction is None:
            return self._interval_s
        return max(self._interval_s, self._last_cost_s * (1 / self._max_busy_fraction - 1))

    def _loop(self) -> None:
        while not self._stop.wait(self._pause_s()):
            self._sample()

    def __enter__(self) -> "StateSampler":
        # The first snapshot pays for warming up (moto imports its backends on its first requests): it does
        # not set the pace.
        self._sample(paced=False)
        self._thread = threading.Thread(target=self._loop, name="state-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
