"""The short summary table compare.py prints."""
from __future__ import annotations

from .summary import figure

TERMINAL_ROWS = (
    ("files", "files"),
    ("sloc", "SLOC"),
    ("lloc", "LLOC"),
    ("functions", "functions"),
    ("cyclomatic.total", "cyclomatic (sum)"),
    ("cyclomatic.max", "cyclomatic (max)"),
    ("cognitive.total", "cognitive (sum)"),
    ("error_handling.except_handlers", "except handlers"),
    ("error_handling.conditional_writes", "conditional writes"),
    ("error_handling.retry_constructs", "retry constructs"),
    ("error_handling.idempotency_guards", "idempotency guards"),
    ("state_io_calls", "state I/O calls"),
    ("serialization_sites", "serialization sites"),
    ("durable_operation_sites", "durable op sites"),
    ("line_attribution.state", "state mgmt lines"),
    ("line_attribution.error_handling", "error handling lines"),
    ("error_handling_paths", "error-handling paths"),
    ("definition.lines", "definition lines"),
    ("definition.states", "definition states"),
)


def summary_table(report: dict) -> str:
    names = [name for name, entry in report["implementations"].items() if "static" in entry]
    width = max([len(label) for _, label in TERMINAL_ROWS] + [6])
    columns = [max(len(name), 8) for name in names]
    lines = ["".ljust(width) + "  " + "  ".join(n.rjust(c) for n, c in zip(names, columns))]
    for path, label in TERMINAL_ROWS:
        values = [figure(report["implementations"][n]["static"], path) for n in names]
        lines.append(label.ljust(width) + "  " + "  ".join(str(v).rjust(c) for v, c in zip(values, columns)))
    for name in names:
        for error in report["implementations"][name]["static"]["parse_errors"]:
            lines.append(f"! {name}: {error['file']} does not parse: {error['error']}")
    return "\n".join(lines)


# (label, path in implementations.NAME.runtime, format)
RUNTIME_ROWS = (
    ("job status", "status", "{}"),
    ("chunks", "chunks", "{}"),
    ("end-to-end latency s", "e2e_latency_s", "{:.2f}"),
    ("validate s", "stage_latency_s.validate", "{:.2f}"),
    ("chunk s", "stage_latency_s.chunk", "{:.2f}"),
    ("encode s", "stage_latency_s.encode", "{:.2f}"),
    ("assemble s", "stage_latency_s.assemble", "{:.2f}"),
    ("chunk encode p95 s", "chunk_latency_summary.p95", "{:.2f}"),
    ("whole process s", "monolithic.process_s", "{:.2f}"),
    ("monolithic encode s", "monolithic.seconds", "{:.2f}"),
    ("process/monolithic", "monolithic.ratio", "{:.2f}x"),
    ("storage ops", "workflow_storage_ops.total", "{}"),
    ("DynamoDB ops", "workflow_storage_ops.by_service.dynamodb", "{}"),
    ("S3 ops", "workflow_storage_ops.by_service.s3", "{}"),
    ("durable operations", "durable.operations", "{}"),
    ("SFN state transitions", "step_functions.state_transitions", "{}"),
    ("peak ext. state bytes", "state_bytes.peak.external_state_bytes", "{:,}"),
    ("end ext. state bytes", "state_bytes.end.external_state_bytes", "{:,}"),
    ("$ per 1,000 videos", "cost_usd.per_1000_videos_usd", "{:.4f}"),
    ("$ state per 1,000", "cost_usd.by_category_usd.workflow_state", "{:.4f}", 1000),
)


def _at(data, path: str):
    for key in path.split("."):
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def runtime_table(report: dict) -> str:
    """The run-time figures per implementation (the representative run; medians with --repeat)."""
    names = [name for name, entry in report["implementations"].items() if "runtime" in entry]
    width = max(len(row[0]) for row in RUNTIME_ROWS)
    columns = [max(len(name), 10) for name in names]
    lines = ["".ljust(width) + "  " + "  ".join(n.rjust(c) for n, c in zip(names, columns))]
    for label, path, form, *scale in RUNTIME_ROWS:
        cells = []
        for name in names:
            value = _at(report["implementations"][name]["runtime"], path)
            if isinstance(value, (int, float)) and scale:
                value = value * scale[0]
            cells.append("-" if value is None else form.format(value))
        lines.append(label.ljust(width) + "  " + "  ".join(v.rjust(c) for v, c in zip(cells, columns)))
    meta = report.get("runtime", {})
    if meta.get("repeat", 1) > 1:
        for name in names:
            spread = report["implementations"][name]["runtime"]["repeat"]["e2e_latency_s"]
            lines.append(f"{name}: end-to-end latency over {spread['n']} runs: median {spread['median']:.2f} s, "
                         f"p95 {spread['p95']:.2f} s, spread {spread['spread']:.2f} s")
    load = meta.get("machine", {}).get("load_average_before")
    if load:
        lines.append(f"(one machine, {meta['machine']['cpu_count']} cores, load average {load[0]:.1f} before: "
                     f"times are noisy; compare the columns of one run)")
    return "\n".join(lines)
