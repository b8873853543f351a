"""RQ2 and RQ4 in numbers, from the run-time figures: what external state storage costs each design, and
how each design scales (the sweep's marginal figures and the projection to ExCamera's scale)."""
from __future__ import annotations

from typing import Any, Mapping

RQ2 = "What are the cost implications of external state storage?"
RQ4 = "Which approach better supports scalable serverless workflows?"

#: How each workflow-state cost item reads in a sentence, from its quantity.
_ITEM_PHRASES = {
    "dynamodb_writes": "{:,.0f} DynamoDB write units",
    "dynamodb_reads": "{:,.1f} DynamoDB read units",
    "dynamodb_storage": "{:.3g} GB-months of DynamoDB items",
    "s3_state_storage": "{:.3g} GB-months of S3 state objects",
    "durable_operations": "{:,.0f} durable operations",
    "durable_data_written": "{:.3g} GB of checkpoints written",
    "durable_data_retained": "{:.3g} GB-months of checkpoints retained",
    "stepfunctions_transitions": "{:,.0f} Step Functions state transitions",
}

# (label, path in implementations.NAME.runtime, format)
RQ2_ROWS: tuple[tuple[str, str, str], ...] = (
    ("cost per video (USD)", "cost_usd.per_video_usd", "usd"),
    ("cost per 1,000 videos (USD)", "cost_usd.per_1000_videos_usd", "usd"),
    ("compute per 1,000 videos (USD)", "cost_usd.by_category_usd.compute", "usd1000"),
    ("workflow state per 1,000 videos (USD)", "cost_usd.by_category_usd.workflow_state", "usd1000"),
    ("storage requests per 1,000 videos (USD)", "cost_usd.by_category_usd.storage_requests", "usd1000"),
    ("media storage per 1,000 videos (USD)", "cost_usd.by_category_usd.media", "usd1000"),
    ("storage operations", "workflow_storage_ops.total", "int"),
    ("DynamoDB operations", "workflow_storage_ops.by_service.dynamodb", "int"),
    ("S3 operations", "workflow_storage_ops.by_service.s3", "int"),
    ("DynamoDB write request units", "storage_ops.dynamodb_request_units.write", "num"),
    ("DynamoDB read request units", "storage_ops.dynamodb_request_units.read", "num"),
    ("durable operations", "durable.operations", "int"),
    ("checkpoint calls", "durable.checkpoint_calls", "int"),
    ("checkpointed bytes", "durable.checkpointed_bytes", "int"),
    ("Step Functions state transitions", "step_functions.state_transitions", "int"),
    ("execution history events (Step Functions' state writes)", "step_functions.execution_history_events", "int"),
    ("state payload bytes (between Step Functions states)", "step_functions.state_payload_bytes", "int"),
    ("external state at peak (bytes)", "state_bytes.peak.external_state_bytes", "int"),
    ("external state left at the end (bytes)", "state_bytes.end.external_state_bytes", "int"),
    ("Step Functions Standard transitions per 1,000 videos (USD; measured, or a reference line)",
     "step_functions_reference_usd.per_1000_videos_usd", "usd"),
)
RQ4_ROWS: tuple[tuple[str, str, str], ...] = (
    ("end-to-end latency (s)", "e2e_latency_s", "seconds"),
    ("whole process (s)", "monolithic.process_s", "seconds"),
    ("monolithic encode (s)", "monolithic.seconds", "seconds"),
    ("process / monolithic", "monolithic.ratio", "ratio"),
    ("chunk encode p95 (s)", "chunk_latency_summary.p95", "seconds"),
    ("Lambda invocations", "lambda.invocations", "int"),
)
SWEEP_ROWS: tuple[tuple[str, str, str], ...] = (
    ("storage operations", "storage_ops_total", "num"),
    ("DynamoDB operations", "dynamodb_ops", "num"),
    ("S3 operations", "s3_ops", "num"),
    ("DynamoDB write units", "dynamodb_write_units", "num"),
    ("largest DynamoDB item (bytes)", "dynamodb_largest_item_bytes", "num"),
    ("external state at peak (bytes)", "peak_external_state_bytes", "num"),
    ("checkpointed bytes", "checkpointed_bytes", "num"),
    ("largest step checkpoint (bytes)", "largest_checkpoint_bytes", "num"),
    ("durable operations (all executions)", "durable_operations", "num"),
    ("orchestrator operations", "orchestrator_operations", "num"),
    ("workflow state cost per 1,000 videos (USD)", "workflow_state_cost_usd", "usd1000"),
    ("storage request cost per 1,000 videos (USD)", "storage_request_cost_usd", "usd1000"),
    ("local end-to-end latency (s)", "e2e_latency_s", "seconds"),
)


def value_at(data: Any, path: str) -> Any:
    """The value at a dotted path, or None when any part is missing."""
    for key in path.split("."):
        if not isinstance(data, Mapping) or key not in data:
            return None
        data = data[key]
    return data


def _usd(value: float) -> str:
    return f"${value:,.4f}" if abs(value) >= 0.01 else f"${value:.6f}"


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def _kb(value: float) -> str:
    return f"{value / 1024:,.1f} KB"


def _rows(rows, runtimes: Mapping[str, dict]) -> list[dict]:
    out = []
    for label, path, kind in rows:
        values = {name: value_at(runtime, path) for name, runtime in runtimes.items()}
        if kind == "usd1000":
            values = {n: (v * 1000 if isinstance(v, (int, float)) else v) for n, v in values.items()}
        if all(v is None for v in values.values()):
            continue
        out.append({"label": label, "figure": path, "kind": kind, "values": values})
    return out


def _state_items(runtime: dict) -> str:
    items = [i for i in runtime["cost_usd"]["breakdown"] if i["category"] == "workflow_state" and i["quantity"]]
    if not items:
        return "none"
    return ", ".join(f"{_ITEM_PHRASES.get(i['item'], i['item'] + ' {:g}').format(i['quantity'])} "
                     f"({_usd(i['usd'] * 1000)} per 1,000 videos)" for i in items)


def _ops_by_service(runtime: dict) -> str:
    services = runtime["workflow_storage_ops"]["by_service"]
    return ", ".join(f"{service} {count}" for service, count in services.items()) or "none"


def _rq2_sentences(reference: str, runtimes: dict[str, dict]) -> list[str]:
    sentences = []
    ref = runtimes[reference]
    for name, runtime in runtimes.items():
        cost = runtime["cost_usd"]
        categories = cost["by_category_usd"]
        sentences.append(
            f"{name}: {_usd(cost['per_video_usd'])} per video of {runtime['chunks']} chunks, "
            f"{_usd(cost['per_1000_videos_usd'])} per 1,000 videos; compute is "
            f"{_pct(categories.get('compute', 0), cost['per_video_usd'])} of it, the external workflow state "
            f"{_usd(categories.get('workflow_state', 0) * 1000)} per 1,000 videos "
            f"({_pct(categories.get('workflow_state', 0), cost['per_video_usd'])}) and the storage requests "
            f"{_usd(categories.get('storage_requests', 0) * 1000)} "
            f"({_pct(categories.get('storage_requests', 0), cost['per_video_usd'])}).")
        sentences.append(
            f"{name}'s workflow state: {_state_items(runtime)}; {runtime['workflow_storage_ops']['total']} storage "
            f"operations per video ({_ops_by_service(runtime)}); "
            f"{runtime['state_bytes']['end']['external_state_bytes']:,} bytes of external state left at the end "
            f"({runtime['state_bytes']['peak']['external_state_bytes']:,} at the peak).")
    for name, runtime in runtimes.items():
        if name == reference:
            continue
        a = ref["cost_usd"]["by_category_usd"].get("workflow_state", 0.0)
        b = runtime["cost_usd"]["by_category_usd"].get("workflow_state", 0.0)
        total_ratio = ref["cost_usd"]["per_video_usd"] / runtime["cost_usd"]["per_video_usd"]
        state_ratio = f" ({a / b:.2f}x)" if b else ""
        sentences.append(f"Workflow state per 1,000 videos: {reference} {_usd(a * 1000)}, {name} {_usd(b * 1000)}"
                         f"{state_ratio}; whole jobs: {reference} costs {total_ratio:.2f}x what {name} costs.")
    if all(r["lambda"].get("billed_seconds_basis") == "measured" for r in runtimes.values()):
        sentences.append("Compute is every Lambda invocation timed whole on this machine (replays and hand-overs "
                         "included) times its function's memory size from its template; it moves with this "
                         "machine's load and the local harnesses' overheads; the workflow-state and storage-request "
                         "costs come from counts and sizes, which do not.")
    else:
        sentences.append("Compute is estimated from the local stage and chunk times (billed seconds x memory size) "
                         "for an implementation whose invocations were not timed, which move with this machine's "
                         "load; the workflow-state and storage-request costs come from counts and sizes, which do "
                         "not.")
    sentences.extend(_step_functions_sentences(reference, runtimes))
    return sentences


def _step_functions_sentences(reference: str, runtimes: dict[str, dict]) -> list[str]:
    """The measured transitions of a Step Functions run; for the Lambda designs, the reference line (the
    same job as a state machine), shown once for the reference implementation when nothing was measured."""
    measured = {n: r for n, r in runtimes.items() if (r.get("step_functions_reference_usd") or {}).get("basis") == "measured"}
    sentences = []
    for name, runtime in measured.items():
        line, figures = runtime["step_functions_reference_usd"], runtime.get("step_functions") or {}
        sentences.append(
            f"{name} is a Step Functions Standard workflow: {line['transitions']} state transitions per video "
            f"(measured from its execution history, {_usd(line['per_1000_videos_usd'])} per 1,000 videos), "
            f"{figures.get('execution_history_events', 0):,} history events (its state writes) and "
            f"{figures.get('state_payload_bytes', 0):,} bytes of payloads between states.")
    line = runtimes[reference]["step_functions_reference_usd"]
    if reference not in measured:
        what = "For comparison" if measured else "For scale"
        sentences.append(
            f"{what}: a Step Functions Standard workflow of {reference}'s job would pay "
            f"{_usd(line['per_1000_videos_usd'])} per 1,000 videos in state transitions alone "
            f"({line['transitions']} per video" + (f" by the formula: {line['formula']})." if line.get("formula") else ")."))
    return sentences


def _marginal_sentence(name: str, per_chunk: Mapping[str, float]) -> str:
    parts = []
    if "storage_ops_total" in per_chunk:
        parts.append(f"{per_chunk['storage_ops_total']:.2f} storage operations")
    if "peak_external_state_bytes" in per_chunk:
        parts.append(f"{per_chunk['peak_external_state_bytes']:,.0f} bytes of external state")
    if "orchestrator_operations" in per_chunk and "durable_operations" in per_chunk:
        parts.append(f"{per_chunk['orchestrator_operations']:.2f} operations in the orchestrator's execution "
                     f"({per_chunk['durable_operations']:.2f} in all executions)")
    if "workflow_state_cost_usd" in per_chunk and "storage_request_cost_usd" in per_chunk:
        parts.append(f"{_usd(per_chunk['workflow_state_cost_usd'] * 1000)} of workflow state and "
                     f"{_usd(per_chunk['storage_request_cost_usd'] * 1000)} of storage requests per 1,000 videos")
    if "e2e_latency_s" in per_chunk:
        parts.append(f"{per_chunk['e2e_latency_s'] * 1000:.0f} ms of local latency")
    return f"Each extra chunk adds, for {name}: " + "; ".join(parts) + "."


def _marginal_sentences(runtimes: dict[str, dict]) -> list[str]:
    """The sweep's fitted per-chunk figures, one sentence per implementation that has a sweep."""
    return [_marginal_sentence(name, runtime["sweep"]["per_chunk"])
            for name, runtime in runtimes.items() if (runtime.get("sweep") or {}).get("per_chunk")]


def _quota_phrase(row: dict) -> str:
    unit = row["unit"]
    projected, limit = row["projected"], row["limit"]
    if unit == "bytes":
        amount = f"{_kb(projected)} of {_kb(limit)}"
    else:
        amount = f"{projected:,.0f} of {limit:,.0f} {unit}"
    if row["exceeded"]:
        reached = row.get("chunks_at_limit")
        where = f", reached at about {reached:,.0f} chunks" if reached is not None else ""
        state = f"EXCEEDED{where}"
    else:
        state = "within"
    adjustable = "adjustable" if row["adjustable"] else "cannot be raised"
    return f"{row['name']} {amount} ({100 * row['ratio']:.0f}%, {state}; {adjustable})"


def _projection_sentences(runtimes: dict[str, dict]) -> list[str]:
    sentences = []
    fixed_exceeded: dict[str, list[str]] = {}
    target = None
    for name, runtime in runtimes.items():
        projection = (runtime.get("sweep") or {}).get("projection")
        if not projection:
            continue
        target = projection["target"]
        metrics = projection["metrics"]
        cost = sum(metrics[m]["projected"] for m in ("workflow_state_cost_usd", "storage_request_cost_usd")
                   if m in metrics)
        rows = projection["quotas"]
        sentences.append(
            f"Projected to {target['chunks']:,} chunks, {name}: " + "; ".join(_quota_phrase(r) for r in rows)
            + f"; workflow state and storage requests {_usd(cost * 1000)} per 1,000 videos.")
        fixed_exceeded[name] = [r["name"] for r in rows if r["exceeded"] and not r["adjustable"]]
    if target is None:
        return ["Run `python compare.py --sweep` for the per-chunk figures and the projection to ExCamera's scale "
                "(888 s of 4K video in 3,552 chunks) with the quotas each design meets there."]
    within = [n for n, rows in fixed_exceeded.items() if not rows]
    beyond = {n: rows for n, rows in fixed_exceeded.items() if rows}
    verdict = []
    if within:
        verdict.append(f"{' and '.join(within)} stay{'s' if len(within) == 1 else ''} within every quota that cannot be "
                       f"raised")
    for name, rows in beyond.items():
        verdict.append(f"{name} exceeds {', '.join(rows)}, which cannot be raised: as written it would have to be "
                       f"restructured (for example, the fan-out split over several executions) to reach that scale")
    sentences.append(f"At {target['name']} (a projection: straight lines fitted to the sweep, extrapolated; it "
                     f"cannot show throttling, partitions or cold starts), " + "; ".join(verdict) + ".")
    return sentences


def _latency_sentence(reference: str, runtimes: dict[str, dict], cpu_count: int | None) -> str:
    parts = []
    for name, runtime in runtimes.items():
        mono = runtime["monolithic"]
        parts.append(f"{name} {runtime['e2e_latency_s']:.2f} s for the job, {mono['process_s']:.2f} s as a whole "
                     f"process = {mono['ratio']:.2f}x one monolithic encode ({mono['seconds']:.2f} s; goal "
                     f"{mono['goal']}x {'met' if mono['met'] else 'not met'})")
    return (f"Locally, on {cpu_count or '?'} cores with every chunk encode competing for them: " + "; ".join(parts)
            + ". Every design fans out one encode invocation per chunk; on AWS their encodes run in parallel "
              "Lambdas, so local latency measures overhead, not the achievable speed-up.")


def runtime_summary(reference: str, implementations: Mapping[str, dict], runtime_meta: Mapping[str, Any]) -> dict:
    """``summary.runtime``: the RQ2 and RQ4 answers (sentences and table rows) from the measured figures."""
    runtimes = {name: entry["runtime"] for name, entry in implementations.items() if "runtime" in entry}
    if reference not in runtimes:
        reference = next(iter(runtimes))
    warnings = [f"{name}'s job ended {rt['status']}: its figures describe a failed run, not the happy path."
                for name, rt in runtimes.items() if rt["status"] != "SUCCEEDED"]
    machine = runtime_meta.get("machine", {})
    return {
        "reference": reference,
        "warnings": warnings,
        "rq2": {"question": RQ2, "sentences": _rq2_sentences(reference, runtimes), "rows": _rows(RQ2_ROWS, runtimes)},
        "rq4": {"question": RQ4,
                "sentences": [_latency_sentence(reference, runtimes, machine.get("cpu_count"))]
                + _marginal_sentences(runtimes) + _projection_sentences(runtimes),
                "rows": _rows(RQ4_ROWS, runtimes)},
    }
