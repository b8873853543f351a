"""Run one job through an implementation's ``local.run_local`` while counting its AWS calls and sampling its
external state, then turn the measurements into the report's ``runtime`` figures.

``measure_run`` is the same for every implementation: it hands ``run_local`` a boto3 Session with an
:class:`~metrics.runtime.op_counter.OpCounter` on it (entered before ``run_local`` makes any client), and
samples the bucket and the table with clients of a second Session that is not counted. Without a session
or an endpoint it provides moto in process (``local_aws.atomic_mock_aws``), shared by both Sessions.

``runtime_figures`` reads what ``run_local`` returned. Fields it uses when present:

- ``duration_s``, ``stage_latency_s``, ``chunk_latency_s``, ``chunks``, ``status``: every implementation;
- ``invocations``: Lambda invocations, an int (durable: the orchestrator's, replays included) or a dict by
  stage (baseline); plus ``encoder_invocations`` (durable);
- ``operations`` (an int: durable operations), ``checkpoint_payload_bytes`` or ``checkpoint_bytes``,
  ``checkpoint_calls``, ``replays``, ``largest_checkpoint_bytes`` or ``largest_payload_bytes`` (the largest
  single checkpoint payload, for the 256 KB quota), ``orchestrator_operations`` (the orchestrator
  execution's own operations, for the per-execution quota): the durable runner's figures;
- ``invocation_seconds``: every Lambda invocation's duration, entry to return or raise, by function
  (``{"validate": [0.41], "encode": [...], ...}``; the durable harness times every orchestrator
  invocation, replays included, and every encoder invocation): billed invocation by invocation, each at
  its function's memory size, less ``invocation_core_wait_s`` (``{function: seconds}``: this machine's
  waits for a core inside the invocations, which Lambda would not bill; the baseline's durations are
  already net of them). ``checkpoint_payload_bytes_by_execution`` (the measuring process reads it
  from the runner's stores) with ``execution_functions`` (ARN -> function) gives the checkpoint bytes of
  each execution, for the per-execution 100 MB quota and each function's retention;
- ``state_transitions``, ``execution_history_events``, ``state_payload_bytes``: a Step Functions run's
  figures from its execution history (states entered, all history events, bytes of the state inputs and
  outputs): the transitions are priced at the Standard workflow's price, the history events are its state
  writes and the payload bytes its workflow-state bytes (the service keeps them in the history);
- ``lambda_billed_seconds``: a total an implementation measured otherwise. Without either, billed seconds
  are estimated as the validate, chunk and assemble stage times plus every chunk's encode time, priced at
  the default memory size (``lambda.billed_seconds_basis`` says which).
"""
from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from media import PipelineSettings

from .cost import VIDEOS_PER_BATCH, CostSettings, billed_seconds, cost_of_usage, step_functions_reference, usage_from_measurements
from .op_counter import HARNESS_CONTROL_SERVICES, HARNESS_SETUP_OPERATIONS, OpCounter, OperationCounts
from .prices import PriceTable
from .state_bytes import StateSampler, StateSnapshot, take_snapshot
from .stats import summarize

DEFAULT_BUCKET = "video-pipeline-media"
DEFAULT_TABLE = "video-pipeline-jobs"

RunLocal = Callable[..., dict]


def measure_run(
    run_local: RunLocal,
    video: str | os.PathLike,
    *,
    settings: PipelineSettings = PipelineSettings(),
    session: Any = None,
    endpoint_url: str | None = None,
    bucket: str | None = None,
    table: str | None = None,
    sample_interval_s: float = 0.25,
    sample_max_busy_fraction: float | None = None,
    **run_kwargs: Any,
) -> dict[str, Any]:
    """``run_local(video, settings=..., session=..., endpoint_url=..., **run_kwargs)`` with its calls counted
    and its state sampled (every ``sample_interval_s``, stretched so that sampling keeps at most
    ``sample_max_busy_fraction`` of the time when given). Returns ``result`` (what run_local returned),
    ``wall_s``, ``counts`` (:class:`OperationCounts`) and ``state`` (``PeakTracker.to_dict()``, checkpoints
    not yet added)."""
    from local_aws import atomic_mock_aws, make_session

    bucket = bucket or os.environ.get("MEDIA_BUCKET", DEFAULT_BUCKET)
    table = table or os.environ.get("JOBS_TABLE", DEFAULT_TABLE)
    with contextlib.ExitStack() as stack:
        if session is None and endpoint_url is None and not os.environ.get("AWS_ENDPOINT_URL"):
            stack.enter_context(atomic_mock_aws())
        session = session or make_session()
        watcher = make_session(session.region_name)
        s3 = watcher.client("s3", endpoint_url=endpoint_url)
        dynamodb = watcher.client("dynamodb", endpoint_url=endpoint_url)
        counter = stack.enter_context(OpCounter(session))
        sampler = stack.enter_context(StateSampler(
            lambda: take_snapshot(dynamodb=dynamodb, table=table, s3=s3, bucket=bucket), sample_interval_s,
            sample_max_busy_fraction))
        started = time.perf_counter()
        result = run_local(Path(video), settings=settings, session=session, endpoint_url=endpoint_url, **run_kwargs)
        wall_s = time.perf_counter() - started
    return {"result": result, "wall_s": wall_s, "counts": counter.counts(), "state": sampler.tracker.to_dict(),
            "sampler_errors": list(sampler.errors), "meter_errors": list(counter.meter_errors)}


def lambda_invocations(result: Mapping[str, Any]) -> int:
    invocations = result.get("invocations", 0)
    total = sum(invocations.values()) if isinstance(invocations, Mapping) else int(invocations or 0)
    return total + int(result.get("encoder_invocations", 0) or 0)


def lambda_by_function(result: Mapping[str, Any]) -> dict[str, dict[str, Any]] | None:
    """Requests and billed seconds of each function from ``invocation_seconds``, less the function's
    ``invocation_core_wait_s`` (local waits for a core); None when not timed."""
    timed = result.get("invocation_seconds") or {}
    if not any(timed.values()):
        return None
    waits = result.get("invocation_core_wait_s") or {}
    return {function: {"requests": len(durations),
                       "billed_seconds": max(0.0, billed_seconds(durations) - float(waits.get(function, 0.0)))}
            for function, durations in sorted(timed.items()) if durations}


def lambda_seconds(result: Mapping[str, Any]) -> tuple[float, str]:
    """Billed Lambda seconds of the run and how they were obtained: ``measured`` (whole invocations timed),
    ``reported`` (a total the implementation gave) or ``estimated`` (stage and chunk times)."""
    by_function = lambda_by_function(result)
    if by_function:
        return sum(f["billed_seconds"] for f in by_function.values()), "measured"
    if result.get("lambda_billed_seconds") is not None:
        return float(result["lambda_billed_seconds"]), "reported"
    stages = result.get("stage_latency_s") or {}
    durations = [stages[s] for s in ("validate", "chunk", "assemble") if stages.get(s)]
    durations += [s for s in result.get("chunk_latency_s") or [] if s]
    return billed_seconds(durations), "estimated"


def checkpointed_bytes_by_function(result: Mapping[str, Any]) -> dict[str, int] | None:
    """Checkpoint payload bytes written by the executions of each function; None when not known."""
    by_execution = result.get("checkpoint_payload_bytes_by_execution") or {}
    functions = result.get("execution_functions") or {}
    if not by_execution or not functions:
        return None
    totals: dict[str, int] = {}
    for arn, num_bytes in by_execution.items():
        function = functions.get(arn, "unknown")
        totals[function] = totals.get(function, 0) + int(num_bytes)
    return dict(sorted(totals.items()))


def _largest_execution_bytes(result: Mapping[str, Any]) -> int | None:
    """Checkpoint bytes of the execution that wrote most (the 100 MB quota is per execution)."""
    by_execution = result.get("checkpoint_payload_bytes_by_execution") or {}
    return max(by_execution.values()) if by_execution else None


def _checkpointed_bytes(result: Mapping[str, Any]) -> int:
    for name in ("checkpoint_payload_bytes", "checkpoint_bytes"):
        if result.get(name) is not None:
            return int(result[name])
    return 0


def _largest_checkpoint(result: Mapping[str, Any]) -> int | None:
    """The largest single checkpoint payload; durable_ref's runner reports it as ``largest_payload_bytes``."""
    for name in ("largest_checkpoint_bytes", "largest_payload_bytes"):
        if result.get(name) is not None:
            return int(result[name])
    return None


def _with_checkpoints(state: Mapping[str, Any], checkpointed: int, state_payload: int = 0) -> dict[str, Any]:
    """The checkpoint log (durable) and the execution history (Step Functions: the payloads between
    states) only grow during a run, so their final size is also their peak."""
    out = dict(state)
    for which in ("peak", "end"):
        snap = dict(out.get(which) or StateSnapshot().to_dict())
        snap["checkpointed_bytes"] = checkpointed
        snap["state_payload_bytes"] = state_payload
        snap["external_state_bytes"] = (snap["dynamodb_item_bytes"] + snap["s3_workflow_state_bytes"]
                                        + checkpointed + state_payload)
        out[which] = snap
    return out


def step_functions_figures(result: Mapping[str, Any]) -> dict[str, Any] | None:
    """A Step Functions run's own figures (``runtime.step_functions``), None for another design: state
    transitions (priced), execution history events (its state writes: the service records every state
    entered and left, every task scheduled and finished) and the state payload bytes."""
    if not isinstance(result.get("state_transitions"), int):
        return None
    return {"state_transitions": result["state_transitions"],
            "execution_history_events": int(result.get("execution_history_events") or 0),
            "state_writes": int(result.get("execution_history_events") or 0),
            "state_payload_bytes": int(result.get("state_payload_bytes") or 0),
            "largest_state_payload_bytes": int(result.get("largest_state_payload_bytes") or 0),
            "map_max_concurrency": result.get("map_max_concurrency")}


def step_functions_line(result: Mapping[str, Any], chunks: int, prices: PriceTable) -> dict[str, Any]:
    """``step_functions_reference_usd``: for a Step Functions run its measured transitions; for the
    other designs the transitions the same job would take as a state machine (a reference line)."""
    measured = step_functions_figures(result)
    if measured is None:
        return dict(step_functions_reference(chunks, prices), basis="reference")
    price = prices["stepfunctions_standard_transition"]
    usd = measured["state_transitions"] * price.unit_usd
    return {"transitions": measured["state_transitions"], "formula": "measured: states entered in the execution history",
            "per_video_usd": usd, "per_1000_videos_usd": usd * VIDEOS_PER_BATCH, "source": price.source,
            "read_on": price.read_on, "basis": "measured"}


def runtime_figures(measured: Mapping[str, Any], prices: PriceTable,
                    cost_settings: CostSettings = CostSettings()) -> dict[str, Any]:
    """The report's ``implementations.NAME.runtime`` for one measured run."""
    result = measured["result"]
    counts: OperationCounts = measured["counts"]
    workflow_counts = counts.without(HARNESS_SETUP_OPERATIONS).without_services(HARNESS_CONTROL_SERVICES)
    step_functions = step_functions_figures(result)
    durable = None
    if isinstance(result.get("operations"), int):
        durable = {"operations": result["operations"], "checkpointed_bytes": _checkpointed_bytes(result),
                   "checkpoint_calls": result.get("checkpoint_calls"), "replays": result.get("replays"),
                   "largest_checkpoint_bytes": _largest_checkpoint(result)}
        if result.get("orchestrator_operations") is not None:
            # The per-execution operations quota applies to each execution: the orchestrator's own count.
            durable["orchestrator_operations"] = result["orchestrator_operations"]
        durable["largest_execution_checkpointed_bytes"] = _largest_execution_bytes(result)
        by_function = checkpointed_bytes_by_function(result)
        if by_function:
            durable["checkpointed_bytes_by_function"] = by_function
    state = _with_checkpoints(measured["state"], _checkpointed_bytes(result),
                              step_functions["state_payload_bytes"] if step_functions else 0)
    seconds, seconds_basis = lambda_seconds(result)
    functions = lambda_by_function(result)
    requests = sum(f["requests"] for f in functions.values()) if functions else lambda_invocations(result)
    usage = usage_from_measurements(workflow_counts.to_dict(), lambda_requests=requests,
                                    lambda_billed_seconds=seconds, lambda_by_function=functions,
                                    state_end=state["end"], durable=durable,
                                    state_transitions=step_functions["state_transitions"] if step_functions else None)
    chunks = int(result.get("chunks") or 0)
    chunk_latency = list(result.get("chunk_latency_s") or [])
    return {
        "status": result.get("status"),
        "job_id": result.get("job_id"),
        "error": result.get("error"),
        "chunks": chunks,
        "e2e_latency_s": result.get("duration_s"),
        "wall_s": measured["wall_s"],
        "stage_latency_s": result.get("stage_latency_s"),
        "chunk_latency_s": chunk_latency,
        "chunk_latency_summary": summarize(chunk_latency),
        "storage_ops": counts.to_dict(),
        "workflow_storage_ops": workflow_counts.to_dict(),
        "lambda": {"invocations": requests, "billed_seconds": seconds, "billed_seconds_basis": seconds_basis,
                   "by_function": functions},
        "durable": durable,
        "step_functions": step_functions,
        "state_bytes": state,
        "usage": usage,
        "cost_usd": cost_of_usage(usage, prices, cost_settings),
        "step_functions_reference_usd": step_functions_line(result, chunks, prices),
    }


#: Figures of one run that a sweep fits against the chunk count (names as in :func:`sweep_point`).
SWEEP_METRICS = (
    "e2e_latency_s", "storage_ops_total", "dynamodb_ops", "s3_ops", "dynamodb_write_units",
    "dynamodb_read_units", "dynamodb_largest_item_bytes", "peak_external_state_bytes",
    "end_external_state_bytes", "checkpointed_bytes", "largest_execution_checkpointed_bytes",
    "largest_checkpoint_bytes", "durable_operations",
    "orchestrator_operations", "state_transitions", "state_payload_bytes", "execution_history_events",
    "largest_state_payload_bytes", "cost_per_video_usd",
)


def sweep_point(runtime: Mapping[str, Any]) -> dict[str, Any]:
    """One run's figures, flat, for :func:`metrics.runtime.scaling.fit_sweep`."""
    ops = runtime["workflow_storage_ops"]
    peak, end = runtime["state_bytes"]["peak"], runtime["state_bytes"]["end"]
    durable = runtime.get("durable") or {}
    step_functions = runtime.get("step_functions") or {}
    return {
        "chunks": runtime["chunks"],
        "e2e_latency_s": runtime["e2e_latency_s"],
        "storage_ops_total": ops["total"],
        "dynamodb_ops": ops["by_service"].get("dynamodb", 0),
        "s3_ops": ops["by_service"].get("s3", 0),
        "dynamodb_write_units": ops["dynamodb_request_units"]["write"],
        "dynamodb_read_units": ops["dynamodb_request_units"]["read"],
        "dynamodb_largest_item_bytes": peak["dynamodb_largest_item_bytes"],
        "peak_external_state_bytes": peak["external_state_bytes"],
        "end_external_state_bytes": end["external_state_bytes"],
        "checkpointed_bytes": end["checkpointed_bytes"],
        "largest_execution_checkpointed_bytes": durable.get("largest_execution_checkpointed_bytes"),
        "largest_checkpoint_bytes": durable.get("largest_checkpoint_bytes"),
        "durable_operations": durable.get("operations"),
        "orchestrator_operations": durable.get("orchestrator_operations"),
        "state_transitions": step_functions.get("state_transitions"),
        "state_payload_bytes": step_functions.get("state_payload_bytes"),
        "execution_history_events": step_functions.get("execution_history_events"),
        "largest_state_payload_bytes": step_functions.get("largest_state_payload_bytes"),
        "map_max_concurrency": step_functions.get("map_max_concurrency"),
        "cost_per_video_usd": runtime["cost_usd"]["per_video_usd"],
    }


def _numbers(rows: Iterable[Mapping[str, Any]], name: str) -> list[float]:
    return [row[name] for row in rows if isinstance(row.get(name), (int, float)) and row.get(name) is not True]


def repeat_summary(runtimes: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Median, p95, max and spread over repeated runs of the headline figures (``--repeat N``)."""
    runtimes = list(runtimes)
    points = [sweep_point(r) for r in runtimes]
    headline = ("e2e_latency_s", "storage_ops_total", "peak_external_state_bytes", "cost_per_video_usd")
    summary: dict[str, Any] = {name: summarize(_numbers(points, name)) for name in headline}
    stage_rows = [r.get("stage_latency_s") or {} for r in runtimes]
    stages = sorted({stage for row in stage_rows for stage in row})
    summary["stage_latency_s"] = {stage: summarize(_numbers(stage_rows, stage)) for stage in stages}
    summary["runs"] = len(runtimes)
    return summary
