"""What the local runner's execution store shows of a job: operations, invocations, checkpoints, errors.

The store holds the orchestrator's execution and one child execution per chunk encode (the durable
encoder). Checkpoint calls and bytes are what the SDK sent; on AWS they are what the service stores.
"""
from __future__ import annotations

import importlib
import json
from collections import Counter
from typing import Any, Iterable

from aws_durable_execution_sdk_python.lambda_service import ErrorObject, Operation, OperationStatus
from aws_durable_execution_sdk_python.serdes import EXTENDED_TYPES_SERDES
from aws_durable_execution_sdk_python_testing.execution import Execution
from aws_durable_execution_sdk_python_testing.stores.base import ExecutionStore

#: Modules whose error classes carry a ``kind``; nothing else is imported from an error type name.
_KIND_MODULES = ("media", "durable_ref")


def execution_facts(store: ExecutionStore, orchestrator_arn: str) -> dict[str, Any]:
    executions = store.list_all()
    orchestrator = store.load(orchestrator_arn)
    encoders = [e for e in executions if e.durable_execution_arn != orchestrator_arn]
    by_type = Counter(op.operation_type.value for e in executions for op in e.operations)
    invocations = len(orchestrator.invocation_completions)
    return {
        "operations": sum(by_type.values()),
        "operations_by_type": dict(sorted(by_type.items())),
        "orchestrator_operations": len(orchestrator.operations),
        "invocations": invocations,
        "replays": max(invocations - 1, 0),
        "encoder_executions": len(encoders),
        "encoder_invocations": sum(len(e.invocation_completions) for e in encoders),
        "checkpoint_calls": sum(e.token_sequence for e in executions),
        "checkpoint_bytes": sum(len(json.dumps(u.to_dict())) for e in executions for u in e.updates),
        "checkpoint_payload_bytes": sum(_payload_bytes(u) for e in executions for u in e.updates),
        # The service rejects a checkpointed payload over 256 KB.
        "largest_payload_bytes": max((_payload_bytes(u) for e in executions for u in e.updates), default=0),
    }


def _payload_bytes(update) -> int:
    error = json.dumps(update.error.to_dict()) if update.error else ""
    return len(update.payload or "") + len(error)


def step_result(execution: Execution, name: str) -> Any:
    """The checkpointed result of the top-level step ``name``, or None if it did not succeed."""
    for op in execution.get_navigable_operations():
        if op.name == name and op.parent_id is None and op.status is OperationStatus.SUCCEEDED and op.step_details:
            return EXTENDED_TYPES_SERDES.deserialize(op.step_details.result)
    return None


def error_kind(execution: Execution) -> str | None:
    """The ``kind`` of the error that failed the job, read from the failed operations' error types.

    The execution's own error is the SDK wrapper (StepError, ChildContextError); the originating type is
    on the operation that failed first: the stage step, or the encoder invoke (ChunkFailedError).
    """
    if execution.result is None or execution.result.error is None:
        return None
    for error in (*_operation_errors(execution.get_navigable_operations()), execution.result.error):
        kind = _kind_of(error)
        if kind:
            return kind
    # A stage that ran out of attempts on a transient error (network, disk), as the baseline names it.
    return "stage_failed"


def _operation_errors(operations: Iterable[Operation]) -> Iterable[ErrorObject]:
    for op in operations:
        if op.status is not OperationStatus.FAILED:
            continue
        details = op.step_details or op.chained_invoke_details
        if details is not None and details.error is not None:
            yield details.error


def _kind_of(error: ErrorObject) -> str | None:
    module_name, _, class_name = (error.type or "").rpartition(".")
    if module_name.split(".")[0] not in _KIND_MODULES:
        return None
    try:
        error_class = getattr(importlib.import_module(module_name), class_name, None)
    except ImportError:
        return None
    return getattr(error_class, "kind", None) if isinstance(error_class, type) else None
