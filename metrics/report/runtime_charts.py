"""The run-time section's inline SVG charts: latency per stage, operations by kind, cost by category and by
item, and the sweep's figures against the chunk count."""
from __future__ import annotations

from markupsafe import Markup

from .charts import grouped_bars, line_chart, stacked_bars

RUNTIME_STAGES = ("validate", "chunk", "encode", "assemble")
COST_CATEGORY_COLOURS = {"compute": "#0072B2", "workflow_state": "#E69F00", "storage_requests": "#009E73",
                         "media": "#56B4E9"}
COST_CATEGORY_LABELS = {"compute": "compute", "workflow_state": "workflow state",
                        "storage_requests": "storage requests", "media": "media storage"}
# (key in report.json's sweep points, chart title, y axis label, scale)
SWEEP_CHARTS = (
    ("storage_ops_total", "Storage operations per job against the chunk count", "storage operations", 1),
    ("peak_external_state_bytes", "External state at its peak against the chunk count", "bytes", 1),
    ("workflow_state_cost_usd", "Workflow-state cost per 1,000 videos against the chunk count", "USD per 1,000", 1000),
    ("e2e_latency_s", "Local end-to-end latency against the chunk count (2 cores)", "seconds", 1),
)


def _operation_kinds(runtimes: dict[str, dict]) -> dict[str, dict[str, float]]:
    """Every storage operation of the job (service and name; the harness's set-up left out), then Lambda
    invocations, durable operations and checkpoint calls: what each design asks of the platform per job."""
    kinds: dict[str, dict[str, float]] = {}
    for name, runtime in runtimes.items():
        for service, operations in runtime["workflow_storage_ops"]["by_operation"].items():
            for operation, count in operations.items():
                kinds.setdefault(f"{service} {operation}", {})[name] = count
        kinds.setdefault("Lambda invocations", {})[name] = runtime["lambda"]["invocations"]
        durable = runtime.get("durable") or {}
        kinds.setdefault("durable operations", {})[name] = durable.get("operations") or 0
        kinds.setdefault("checkpoint calls", {})[name] = durable.get("checkpoint_calls") or 0
    return {kind: values for kind, values in kinds.items() if any(values.values())}


def _cost_items(runtimes: dict[str, dict]) -> dict[str, dict[str, float]]:
    items: dict[str, dict[str, float]] = {}
    for name, runtime in runtimes.items():
        for item in runtime["cost_usd"]["breakdown"]:
            items.setdefault(item["item"], {})[name] = item["usd"] * 1000
    return {item: values for item, values in items.items() if any(values.values())}


def runtime_charts(report: dict) -> dict[str, Markup]:
    runtimes = {name: entry["runtime"] for name, entry in report["implementations"].items() if "runtime" in entry}
    if not runtimes:
        return {}
    names = list(runtimes)
    stage_categories = list(RUNTIME_STAGES) + ["end-to-end (job)", "whole process", "monolithic encode"]

    def stage_values(runtime: dict) -> list[float]:
        stages = runtime.get("stage_latency_s") or {}
        return [stages.get(s) or 0 for s in RUNTIME_STAGES] + [
            runtime.get("e2e_latency_s") or 0, runtime["monolithic"]["process_s"], runtime["monolithic"]["seconds"]]

    kinds = _operation_kinds(runtimes)
    items = _cost_items(runtimes)
    charts = {
        "runtime_stages": grouped_bars("Latency per stage (seconds)", stage_categories,
                                       {n: stage_values(runtimes[n]) for n in names}),
        "runtime_operations": grouped_bars("Operations per job by kind", list(kinds),
                                           {n: [kinds[k].get(n, 0) for k in kinds] for n in names}),
        "runtime_cost": stacked_bars(
            "Cost per 1,000 videos by category (USD)",
            {n: {c: usd * 1000 for c, usd in runtimes[n]["cost_usd"]["by_category_usd"].items()} for n in names},
            COST_CATEGORY_COLOURS, COST_CATEGORY_LABELS),
        "runtime_cost_items": grouped_bars("Cost items per 1,000 videos (USD), each item on its own scale",
                                           list(items), {n: [items[i].get(n, 0) for i in items] for n in names}),
    }
    sweeps = {n: rt["sweep"]["points"] for n, rt in runtimes.items() if rt.get("sweep")}
    if sweeps:
        for key, title, y_label, scale in SWEEP_CHARTS:
            series = {n: [(p["chunks"], (p.get(key) or 0) * scale) for p in points if p.get("status") == "SUCCEEDED"]
                      for n, points in sweeps.items()}
            charts[f"sweep_{key}"] = line_chart(title, "chunks (log scale)", y_label, series)
    return charts
