"""Cost of one video, and of 1,000, from what a run used and the price table. Pure functions on plain dicts.

A run's usage (:func:`usage_from_measurements` builds it from the measurements) is::

    {"lambda":   {"requests": int, "billed_seconds": float,           # summed over every invocation
                  "by_function": {NAME: {"requests": int, "billed_seconds": float}}},   # optional
     "dynamodb": {"read_units": float, "write_units": float, "storage_bytes": int},
     "s3":       {"put_requests": int, "get_requests": int,
                  "workflow_state_bytes": int, "media_bytes": int},    # objects left at the end
     "durable":  {"operations": int, "data_written_bytes": int, "retained_bytes": int,
                  "retained_bytes_by_function": {NAME: int}},         # optional
     "stepfunctions": {"transitions": int}}                           # a Step Functions run's own count

Each part is optional. NAME is a function's handler module (``validate``, ``orchestrator``, ...), the key
:mod:`metrics.runtime.deployment` reads memory sizes and retention periods under. :func:`cost_of_usage`
prices every item:

=====================  ======================================================  ================
item                   quantity                                                category
=====================  ======================================================  ================
lambda_requests        invocations (replays and retries included)              compute
lambda_compute         billed seconds x memory GB, function by function        compute
dynamodb_writes        write request units (by item size, transactions double) workflow_state
dynamodb_reads         read request units                                      workflow_state
dynamodb_storage       (item bytes + 100 per item) x state retention (TTL)     workflow_state
s3_put_requests        PUT, COPY, POST, LIST requests                          storage_requests
s3_get_requests        GET, HEAD and other requests (DELETE is free)           storage_requests
s3_state_storage       workflow-state objects left x work/ retention           workflow_state
s3_media_storage       media objects left x media retention                    media
durable_operations     durable operations                                      workflow_state
durable_data_written   checkpointed bytes                                      workflow_state
durable_data_retained  retained bytes x each execution's function's retention  workflow_state
stepfunctions_         Step Functions Standard state transitions, measured      workflow_state
transitions            (the run's execution history)
=====================  ======================================================  ================

Storage is priced in GB-months: bytes / 2^30 x retention hours / 730 (AWS bills GB-months of 730 hours).
Storage a job holds only while it runs (chunks, encoded parts) is left out: at 0.023 $/GB-month a 100 MB
peak held for a minute costs about $5e-8.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
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
    """How a run's usage is priced: memory sizes and retention periods, as deployed.

    :func:`metrics.runtime.deployment.cost_settings_for` reads them from an implementation's template; the
    defaults are what a function gets when nothing says otherwise."""

    #: Memory size of a function not in ``function_memory_mb``; 1,769 MB is one full vCPU.
    memory_mb: int = 1769
    #: Memory size by function (handler module name), e.g. ``{"validate": 1024, "encode": 1769}``.
    function_memory_mb: Mapping[str, int] = field(default_factory=dict)
    architecture: str = "x86_64"
    #: How long workflow state left at the end is kept: DynamoDB items (the TTL).
    state_retention_days: float = 14.0
    #: How long workflow-state objects left under work/ are kept (the bucket's lifecycle rule); None: as
    #: ``state_retention_days``.
    work_retention_days: float | None = None
    #: Durable execution history retention of a function not in ``function_durable_retention_days`` (1-90
    #: days, AWS's default 14).
    durable_retention_days: float = 14.0
    #: Durable retention by function (``DurableConfig.RetentionPeriodInDays``).
    function_durable_retention_days: Mapping[str, float] = field(default_factory=dict)
    #: How long the input and the output video are kept (same on both sides).
    media_retention_days: float = 30.0
    #: Where these settings come from (a template, the defaults, a command-line override).
    source: str = "defaults"

    def __post_init__(self) -> None:
        for name, memory in {"memory_mb": self.memory_mb, **self.function_memory_mb}.items():
            if not 128 <= memory <= 10240:
                raise ValueError(f"memory_mb of {name} must be 128-10240 (Lambda's range), got {memory}")
        if self.architecture not in ("x86_64", "arm64"):
            raise ValueError(f"architecture must be 'x86_64' or 'arm64', got {self.architecture!r}")
        durable = {"durable_retention_days": self.durable_retention_days, **self.function_durable_retention_days}
        for name, days in durable.items():
            if not 1 <= days <= 90:
                raise ValueError(f"durable_retention_days of {name} must be 1-90, got {days}")
        if min(self.state_retention_days, self.media_retention_days, self.work_days) < 0:
            raise ValueError("retention days must be >= 0")

    def memory_of(self, function: str) -> int:
        return self.function_memory_mb.get(function, self.memory_mb)

    def durable_retention_of(self, function: str) -> float:
        return self.function_durable_retention_days.get(function, self.durable_retention_days)

    @property
    def work_days(self) -> float:
        return self.state_retention_days if self.work_retention_days is None else self.work_retention_days


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
    lambda_by_function: Mapping[str, Mapping[str, float]] | None = None,
    state_end: Mapping[str, Any] | None = None,
    durable: Mapping[str, Any] | None = None,
    state_transitions: int | None = None,
) -> dict[str, Any]:
    """Usage of one run from ``OperationCounts.to_dict()``, the Lambda invocations and their billed seconds
    (in all, and by function when they were timed function by function), the state snapshot at the end
    (``StateSnapshot.to_dict()``), and the durable runner's figures (``operations``, ``checkpointed_bytes``,
    optionally ``checkpointed_bytes_by_function``), and a Step Functions run's state transitions."""
    state_end = state_end or {}
    by_operation = storage_ops.get("by_operation", {})
    units = storage_ops.get("dynamodb_request_units", {})
    tiers = s3_request_tiers(by_operation.get("s3", {}))
    lam: dict[str, Any] = {"requests": lambda_requests, "billed_seconds": lambda_billed_seconds}
    if lambda_by_function:
        lam["by_function"] = {name: dict(figures) for name, figures in lambda_by_function.items()}
    usage: dict[str, Any] = {
        "lambda": lam,
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
        if durable.get("checkpointed_bytes_by_function"):
            # Every checkpoint written stays for its execution's retention period.
            usage["durable"]["retained_bytes_by_function"] = dict(durable["checkpointed_bytes_by_function"])
    if state_transitions is not None:
        usage["stepfunctions"] = {"transitions": int(state_transitions)}
    return usage


def _item(name: str, category: str, quantity: float, unit: str, prices: PriceTable, price_name: str,
          unit_usd: float | None = None) -> dict[str, Any]:
    price = prices[price_name]
    per_unit = price.unit_usd if unit_usd is None else unit_usd
    return {"item": name, "category": category, "quantity": quantity, "unit": unit, "unit_usd": per_unit,
            "usd": quantity * per_unit, "price": price_name, "source": price.source, "read_on": price.read_on}


def lambda_compute_by_function(lam: Mapping[str, Any], settings: CostSettings) -> list[dict[str, Any]]:
    """GB-seconds of each function at its own memory size; one row for all when the run was not timed by
    function (``function`` None, at ``settings.memory_mb``)."""
    by_function = lam.get("by_function") or {}
    if not by_function:
        seconds = lam.get("billed_seconds", 0.0)
        return [{"function": None, "requests": lam.get("requests", 0), "billed_seconds": seconds,
                 "memory_mb": settings.memory_mb, "gb_seconds": seconds * settings.memory_mb / 1024}]
    return [{"function": name, "requests": figures.get("requests", 0), "billed_seconds": figures["billed_seconds"],
             "memory_mb": settings.memory_of(name),
             "gb_seconds": figures["billed_seconds"] * settings.memory_of(name) / 1024}
            for name, figures in sorted(by_function.items())]


def durable_retained_gb_months(durable: Mapping[str, Any], settings: CostSettings) -> float:
    """Checkpointed bytes x the retention period of the function whose execution holds them."""
    by_function = durable.get("retained_bytes_by_function") or {}
    if not by_function:
        return gb_months(durable.get("retained_bytes", 0), settings.durable_retention_days)
    return sum(gb_months(num_bytes, settings.durable_retention_of(name)) for name, num_bytes in by_function.items())


def cost_of_usage(usage: Mapping[str, Any], prices: PriceTable, settings: CostSettings = CostSettings()) -> dict:
    """Every priced item of ``usage``, the total per video and per 1,000 videos, totals by category, and the
    compute by function (``lambda_functions``)."""
    lam, ddb, s3, durable, sfn = (usage.get(k, {}) for k in ("lambda", "dynamodb", "s3", "durable", "stepfunctions"))
    functions = lambda_compute_by_function(lam, settings)
    gb_seconds = sum(row["gb_seconds"] for row in functions)
    compute_price = f"lambda_gb_second_{settings.architecture}"
    for row in functions:
        row["usd"] = row["gb_seconds"] * prices.unit_usd(compute_price)
    items = [
        _item("lambda_requests", "compute", lam.get("requests", 0), "request", prices, "lambda_request"),
        _item("lambda_compute", "compute", gb_seconds, "GB-second", prices, compute_price),
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
              gb_months(s3.get("workflow_state_bytes", 0), settings.work_days), "GB-month", prices, "s3_storage"),
        _item("s3_media_storage", "media", gb_months(s3.get("media_bytes", 0), settings.media_retention_days),
              "GB-month", prices, "s3_storage"),
        _item("durable_operations", "workflow_state", durable.get("operations", 0), "durable operation", prices,
              "durable_operation"),
        _item("durable_data_written", "workflow_state", durable.get("data_written_bytes", 0) / GB, "GB", prices,
              "durable_data_written"),
        _item("durable_data_retained", "workflow_state", durable_retained_gb_months(durable, settings),
              "GB-month", prices, "durable_data_retained"),
        # Step Functions Standard bills each state entered (retries included); its execution history, the
        # payloads between states included, is kept 90 days at no charge.
        _item("stepfunctions_transitions", "workflow_state", sfn.get("transitions", 0), "state transition",
              prices, "stepfunctions_standard_transition"),
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
        "lambda_functions": functions,
        "settings": asdict(settings),
        "prices": prices.origin,
    }


def step_functions_transitions(chunks: int, *, stage_retries: int = 0, chunk_retries: int = 0) -> int:
    """State transitions of the same workflow as a Step Functions Standard state machine.

    The machine: Validate (Task) -> Chunk (Task) -> EncodeChunks (Map, inline) with one EncodeChunk Task per
    chunk -> Assemble (Task). AWS bills "a state transition each time a step of your workflow is executed"
    (aws.amazon.com/step-functions/pricing): each state that runs, the Map state itself and every state of
    every iteration, and each retry of a state. Starting and ending an execution are not states and are not
    billed. So one run is ``Validate + Chunk + Map + Assemble + chunks`` = ``chunks + 4`` transitions, plus
    one per retry.
    """
    if chunks < 0 or stage_retries < 0 or chunk_retries < 0:
        raise ValueError("chunks and retries must be >= 0")
    return 4 + chunks + stage_retries + chunk_retries


def step_functions_reference(chunks: int, prices: PriceTable, *, stage_retries: int = 0,
                             chunk_retries: int = 0) -> dict[str, Any]:
    """The orchestration cost a Step Functions Standard workflow would add for one video (a reference line:
    it would invoke the same Lambda functions and move the same media, and keep no DynamoDB state)."""
    transitions = step_functions_transitions(chunks, stage_retries=stage_retries, chunk_retries=chunk_retries)
    price = prices["stepfunctions_standard_transition"]
    usd = transitions * price.unit_usd
    return {
        "transitions": transitions,
        "formula": "4 states (Validate, Chunk, Map, Assemble) + 1 EncodeChunk per chunk + 1 per retry",
        "per_video_usd": usd,
        "per_1000_videos_usd": usd * VIDEOS_PER_BATCH,
        "source": price.source,
        "read_on": price.read_on,
    }
