"""Cost of one video, and of 1,000, from what a run used and the price table. Pure functions on plain dicts.

A run's usage (:func:`usage_from_measurements` builds it from the measurements) is::

    {"lambda":   {"requests": int, "billed_seconds": float},          # summed over every invocation
     "dynamodb": {"read_units": float, "write_units": float, "storage_bytes": int},
     "s3":       {"put_requests": int, "get_requests": int,
                  "workflow_state_bytes": int, "media_bytes": int},    # objects left at the end
     "durable":  {"operations": int, "data_written_bytes": int, "retained_bytes": int}}

Each part is optional. :func:`cost_of_usage` prices every item:

====================  =======================================================  ================
item                  quantity                                                 category
====================  =======================================================  ================
lambda_requests       invocations (replays and retries included)               compute
lambda_compute        billed seconds x memory GB (``CostSettings.memory_mb``)  compute
dynamodb_writes       write request units (by item size, transactions double)  workflow_state
dynamodb_reads        read request units                                       workflow_state
dynamodb_storage      (item bytes + 100 per item) x state retention            workflow_state
s3_put_requests       PUT, COPY, POST, LIST requests                           storage_requests
s3_get_requests       GET, HEAD and other requests (DELETE is free)            storage_requests
s3_state_storage      workflow-state objects left x state retention            workflow_state
s3_media_storage      media objects left x media retention                     media
durable_operations    durable operations                                       workflow_state
durable_data_written  checkpointed bytes                                       workflow_state
durable_data_retained retained bytes x durable retention                       workflow_state
====================  =======================================================  ================

Storage is priced in GB-months: bytes / 2^30 x retention hours / 730 (AWS bills GB-months of 730 hours).
Storage a job holds only while it runs (chunks, encoded parts) is left out: at 0.023 $/GB-month a 100 MB
peak held for a minute costs about $5e-8.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Mapping

from .prices import PriceTable

GB = 1024**3
HOURS_PER_MONTH = 730
VIDEOS_PER_BATCH = 1000

#: S3 operations billed at the PUT price (PUT, COPY, POST, LIST) and the free ones (DELETE, CANCEL);
#: everything else (GET, HEAD, ...) is billed at the GET price.
_S3_PUT_PREFIXES = ("Put", "Copy", "Post", "List", "Create", "UploadPart", "CompleteMultipartUpload", "Restore")
_S3_FREE_PREFIXES = ("Delete", "AbortMultipartUpload")


@dataclass(frozen=True)
class CostSettings:
    #: Lambda memory size; 1,769 MB is where a function gets one full vCPU (one x264 thread per chunk).
    memory_mb: int = 1769
    architecture: str = "x86_64"
    #: How long workflow state left at the end is kept (DynamoDB items, S3 state objects), e.g. by a TTL.
    state_retention_days: float = 14.0
    #: Durable execution history retention (1-90 days, AWS's default 14).
    durable_retention_days: float = 14.0
    #: How long the input and the output video are kept (same on both sides).
    media_retention_days: float = 30.0

    def __post_init__(self) -> None:
        if self.memory_mb < 128 or self.memory_mb > 10240:
            raise ValueError(f"memory_mb must be 128-10240 (Lambda's range), got {self.memory_mb}")
        if self.architecture not in ("x86_64", "arm64"):
            raise ValueError(f"architecture must be 'x86_64' or 'arm64', got {self.architecture!r}")
        if not 1 <= self.durable_retention_days <= 90:
            raise ValueError(f"durable_retention_days must be 1-90, got {self.durable_retention_days}")
        if self.state_retention_days < 0 or self.media_retention_days < 0:
            raise ValueError("retention days must be >= 0")


def billed_seconds(durations_s: Iterable[float]) -> float:
    """Lambda bills each invocation's duration rounded up to the next millisecond."""
    return sum(math.ceil(round(d * 1000, 6)) / 1000 for d in durations_s)


def gb_months(num_bytes: float, days: float) -> float:
    return num_bytes / GB * (days * 24 / HOURS_PER_MONTH)


def s3_request_tiers(by_operation: Mapping[str, int]) -> dict[str, int]:
    """S3 calls by price tier: ``put`` (PUT, COPY, POST, LIST), ``get`` (GET and all other), ``free``."""
    tiers = {"put": 0, "get": 0, "free": 0}
    for operation, count in by_operation.items():
        if operation.startswith(_S3_FREE_PREFIXES):
            tiers["free"] += count
        elif operation.startswith(_S3_PUT_PREFIXES):
            tiers["put"] += count
        else:
            tiers["get"] += count
    return tiers


def usage_from_measurements(
    storage_ops: Mapping[str, Any],
    *,
    lambda_requests: int,
    lambda_billed_seconds: float,
    state_end: Mapping[str, Any] | None = None,
    durable: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Usage of one run from ``OperationCounts.to_dict()``, the Lambda invocations and their billed seconds,
    the state snapshot at the end (``StateSnapshot.to_dict()``), and the durable runner's figures
    (``operations``, ``checkpointed_bytes``)."""
    state_end = state_end or {}
    by_operation = storage_ops.get("by_operation", {})
    units = storage_ops.get("dynamodb_request_units", {})
    tiers = s3_request_tiers(by_operation.get("s3", {}))
    usage: dict[str, Any] = {
        "lambda": {"requests": lambda_requests, "billed_seconds": lambda_billed_seconds},
        "dynamodb": {"read_units": units.get("read", 0.0), "write_units": units.get("write", 0.0),
                     "storage_bytes": state_end.get("dynamodb_storage_bytes", 0)},
        "s3": {"put_requests": tiers["put"], "get_requests": tiers["get"],
               "workflow_state_bytes": state_end.get("s3_workflow_state_bytes", 0),
               "media_bytes": state_end.get("s3_media_bytes", 0)},
    }
    if durable:
        written = durable.get("checkpointed_bytes", 0)
        usage["durable"] = {"operations": durable.get("operations", 0), "data_written_bytes": written,
                            "retained_bytes": durable.get("retained_bytes", written)}
    return usage


def _item(name: str, category: str, quantity: float, unit: str, prices: PriceTable, price_name: str,
          unit_usd: float | None = None) -> dict[str, Any]:
    price = prices[price_name]
    per_unit = price.unit_usd if unit_usd is None else unit_usd
    return {"item": name, "category": category, "quantity": quantity, "unit": unit, "unit_usd": per_unit,
            "usd": quantity * per_unit, "price": price_name, "source": price.source, "read_on": price.read_on}


def cost_of_usage(usage: Mapping[str, Any], prices: PriceTable, settings: CostSettings = CostSettings()) -> dict:
    """Every priced item of ``usage``, the total per video and per 1,000 videos, and totals by category."""
    lam, ddb, s3, durable = (usage.get(k, {}) for k in ("lambda", "dynamodb", "s3", "durable"))
    gb_seconds = lam.get("billed_seconds", 0.0) * settings.memory_mb / 1024
    items = [
        _item("lambda_requests", "compute", lam.get("requests", 0), "request", prices, "lambda_request"),
        _item("lambda_compute", "compute", gb_seconds, "GB-second", prices,
              f"lambda_gb_second_{settings.architecture}"),
        _item("dynamodb_writes", "workflow_state", ddb.get("write_units", 0), "write request unit", prices,
              "dynamodb_write_request_unit"),
        _item("dynamodb_reads", "workflow_state", ddb.get("read_units", 0), "read request unit", prices,
              "dynamodb_read_request_unit"),
        _item("dynamodb_storage", "workflow_state",
              gb_months(ddb.get("storage_bytes", 0), settings.state_retention_days), "GB-month", prices,
              "dynamodb_storage"),
        _item("s3_put_requests", "storage_requests", s3.get("put_requests", 0), "request", prices,
              "s3_put_request"),
        _item("s3_get_requests", "storage_requests", s3.get("get_requests", 0), "request", prices,
              "s3_get_request"),
        _item("s3_state_storage", "workflow_state",
              gb_months(s3.get("workflow_state_bytes", 0), settings.state_retention_days), "GB-month", prices,
              "s3_storage"),
        _item("s3_media_storage", "media", gb_months(s3.get("media_bytes", 0), settings.media_retention_days),
              "GB-month", prices, "s3_storage"),
        _item("durable_operations", "workflow_state", durable.get("operations", 0), "durable operation", prices,
              "durable_operation"),
        _item("durable_data_written", "workflow_state", durable.get("data_written_bytes", 0) / GB, "GB", prices,
              "durable_data_written"),
        _item("durable_data_retained", "workflow_state",
              gb_months(durable.get("retained_bytes", 0), settings.durable_retention_days), "GB-month", prices,
              "durable_data_retained"),
    ]
    per_video = sum(i["usd"] for i in items)
    by_category: dict[str, float] = {}
    for i in items:
        by_category[i["category"]] = by_category.get(i["category"], 0.0) + i["usd"]
    return {
        "per_video_usd": per_video,
        "per_1000_videos_usd": per_video * VIDEOS_PER_BATCH,
        "by_category_usd": by_category,
        "breakdown": items,
        "settings": asdict(settings),
        "prices": prices.origin,
    }


def step_functions_transitions(chunks: int, *, stage_retries: int = 0, chunk_retries: int = 0) -> int:
    """State transitions of the same workflow as a Step Functions Standard state machine.

    The machine: Validate (Task) -> Chunk (Task) -> EncodeChunks (Map, inline) with one EncodeChunk Task per
    chunk -> Assemble (Task). AWS counts a transition each time a state runs, counting the Start and End
    nodes of the graph and every retry, so one run is ``1 + 4 + chunks + 1`` = ``chunks + 6`` transitions,
    plus one per retry.
    """
    if chunks < 0 or stage_retries < 0 or chunk_retries < 0:
        raise ValueError("chunks and retries must be >= 0")
    return 1 + 4 + chunks + 1 + stage_retries + chunk_retries


def step_functions_reference(chunks: int, prices: PriceTable, *, stage_retries: int = 0,
                             chunk_retries: int = 0) -> dict[str, Any]:
    """The orchestration cost a Step Functions Standard workflow would add for one video (a reference line:
    it would invoke the same Lambda functions and move the same media, and keep no DynamoDB state)."""
    transitions = step_functions_transitions(chunks, stage_retries=stage_retries, chunk_retries=chunk_retries)
    price = prices["stepfunctions_standard_transition"]
    usd = transitions * price.unit_usd
    return {
        "transitions": transitions,
        "formula": "1 (start) + 4 states (Validate, Chunk, Map, Assemble) + 1 per chunk + 1 (end) + retries",
        "per_video_usd": usd,
        "per_1000_videos_usd": usd * VIDEOS_PER_BATCH,
        "source": price.source,
        "read_on": price.read_on,
    }
