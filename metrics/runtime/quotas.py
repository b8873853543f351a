"""Service quotas a design meets as the number of chunks grows, each with its source and the date read."""
from __future__ import annotations

from dataclasses import asdict, dataclass

READ_ON = "2026-11-30"
_LAMBDA_QUOTAS = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"
_DURABLE_SDK = "https://docs.aws.amazon.com/lambda/latest/dg/durable-execution-sdk.html"
_DDB_QUOTAS = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html"


@dataclass(frozen=True)
class Quota:
    name: str
    limit: float
    unit: str
    applies_to: str
    #: The run-time figure (a metric name in a sweep) compared against the limit.
    metric: str
    adjustable: bool
    source: str
    read_on: str = READ_ON
    note: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


DYNAMODB_ITEM_SIZE = Quota(
    name="DynamoDB item size", limit=400 * 1024, unit="bytes", applies_to="explicit state (DynamoDB)",
    metric="dynamodb_largest_item_bytes", adjustable=False, source=_DDB_QUOTAS,
    note="400 KB including attribute names; an item that grows with the chunk count meets it",
)
DURABLE_CHECKPOINT_SIZE = Quota(
    name="Durable checkpoint payload", limit=256 * 1024, unit="bytes", applies_to="durable execution",
    metric="largest_checkpoint_bytes", adjustable=False, source=_DURABLE_SDK + "#durable-sdk-replay-behavior",
    note="a step result over 256 KB is rejected; a larger child-context result is rebuilt by replay instead",
)
DURABLE_OPERATIONS = Quota(
    name="Durable operations per execution", limit=3000, unit="operations", applies_to="durable execution",
    metric="durable_operations", adjustable=False, source=_LAMBDA_QUOTAS + "#durable-functions-quotas",
)
DURABLE_STORAGE_WRITTEN = Quota(
    name="Durable execution storage written", limit=100 * 1024 * 1024, unit="bytes",
    applies_to="durable execution", metric="largest_execution_checkpointed_bytes", adjustable=False,
    source=_LAMBDA_QUOTAS + "#durable-functions-quotas",
    # Per execution: the orchestrator's and each encoder's checkpoints count separately, so the figure is
    # the bytes of the execution that wrote most, not the job's sum over executions.
    note="cumulative payload persisted per execution (100 MB); measured as the execution that wrote most",
)
LAMBDA_CONCURRENCY = Quota(
    name="Lambda concurrent executions (default)", limit=1000, unit="concurrent invocations",
    applies_to="both (one encode invocation per chunk)", metric="peak_concurrent_encodes", adjustable=True,
    source=_LAMBDA_QUOTAS + "#compute-and-storage",
    note="per account and Region; chunks beyond it wait (throttled async invocations are retried)",
)

ALL_QUOTAS: tuple[Quota, ...] = (
    DYNAMODB_ITEM_SIZE, DURABLE_CHECKPOINT_SIZE, DURABLE_OPERATIONS, DURABLE_STORAGE_WRITTEN,
    LAMBDA_CONCURRENCY,
)
