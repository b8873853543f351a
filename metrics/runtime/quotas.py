"""Service quotas a design meets as the number of chunks grows, each with its source and the date read."""
from __future__ import annotations

from dataclasses import asdict, dataclass

READ_ON = "2026-11-30"
_LAMBDA_QUOTAS = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"
_DURABLE_SDK = "https://docs.aws.amazon.com/lambda/latest/dg/durable-execution-sdk.html"
_SFN_QUOTAS = "https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html"
_SFN_MAP = "https://docs.aws.amazon.com/step-functions/latest/dg/state-map.html"
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
STEP_FUNCTIONS_HISTORY = Quota(
    name="Step Functions execution history", limit=25_000, unit="events", applies_to="Step Functions (Standard)",
    metric="execution_history_events", adjustable=False, source=_SFN_QUOTAS,
    note="an Inline Map's iterations write into the parent's history (7 events per chunk, 3 more per retry); "
         "event 25,000 fails the execution unless it is ExecutionSucceeded",
)
STEP_FUNCTIONS_PAYLOAD = Quota(
    name="Step Functions state payload", limit=256 * 1024, unit="bytes", applies_to="Step Functions (Standard)",
    metric="largest_state_payload_bytes", adjustable=False, source=_SFN_QUOTAS,
    note="the input or output of any task, state or execution (262,144 bytes of UTF-8)",
)
STEP_FUNCTIONS_INLINE_MAP = Quota(
    name="Step Functions Inline Map concurrency", limit=40, unit="concurrent iterations",
    applies_to="Step Functions (Inline Map)", metric="map_concurrency", adjustable=False, source=_SFN_MAP,
    note="Inline mode runs at most 40 iterations at once, whatever MaxConcurrency says; more needs "
         "Distributed mode (child executions)",
)

ALL_QUOTAS: tuple[Quota, ...] = (
    DYNAMODB_ITEM_SIZE, DURABLE_CHECKPOINT_SIZE, DURABLE_OPERATIONS, DURABLE_STORAGE_WRITTEN,
    STEP_FUNCTIONS_HISTORY, STEP_FUNCTIONS_PAYLOAD, STEP_FUNCTIONS_INLINE_MAP, LAMBDA_CONCURRENCY,
)
