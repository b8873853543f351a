"""RQ1 in numbers: how much complexity explicit state management introduces, implementation by
implementation against the reference (the first implementation, the baseline by default)."""
from __future__ import annotations

from metrics.static.config import STAGES

# (figure path in implementations.NAME.static, label)
SUMMARY_ROWS: tuple[tuple[str, str], ...] = (
    ("sloc", "source lines (SLOC)"),
    ("lloc", "logical lines (LLOC)"),
    ("functions", "functions"),
    ("cyclomatic.total", "cyclomatic complexity (sum)"),
    ("cognitive.total", "cognitive complexity (sum)"),
    ("error_handling.try_blocks", "try blocks"),
    ("error_handling.except_handlers", "except handlers"),
    ("error_handling.finally_blocks", "finally blocks"),
    ("error_handling.raise_statements", "raise statements"),
    ("error_handling.conditional_writes", "conditional writes"),
    ("error_handling.retry_constructs", "retry constructs"),
    ("error_handling.idempotency_guards", "idempotency guards"),
    ("state_io_calls", "state I/O call sites"),
    ("serialization_sites", "serialization sites"),
    ("durable_operation_sites", "durable operation sites"),
    ("line_attribution.state", "lines of state management"),
    ("line_attribution.error_handling", "lines of error handling"),
    ("line_attribution.orchestration", "lines of orchestration"),
    ("line_attribution.media", "lines of media work"),
    ("error_handling.catchers", "Catch blocks (definition)"),
    ("error_handling_paths", "error-handling paths (except handlers + Catch blocks)"),
    ("definition.lines", "lines of state machine definition"),
    ("definition_share", "definition share of lines"),
    ("definition.states", "states in the definition"),
    ("definition.task_states", "Task states (orchestration in the definition)"),
    ("definition.retriers", "Retry entries in the definition"),
)
_SIZE_ROWS = ("sloc", "cyclomatic.total", "cognitive.total")
_COUNT_ROWS = ("error_handling.conditional_writes", "error_handling.retry_constructs",
               "error_handling.idempotency_guards", "state_io_calls", "serialization_sites",
               "durable_operation_sites")


def figure(static: dict, path: str) -> float:
    value = static
    for key in path.split("."):
        value = value.get(key, 0) if isinstance(value, dict) else 0
    return value or 0


def static_summary(reference: str, implementations: dict) -> dict:
    ref = implementations[reference]["static"]
    comparisons = []
    for name, entry in implementations.items():
        if name == reference:
            continue
        other = entry["static"]
        rows = [_row(path, label, ref, other) for path, label in SUMMARY_ROWS]
        comparisons.append({
            "implementation": name,
            "rows": rows,
            "stages": [_row(f"stages.{stage}.sloc", stage, ref, other) for stage in STAGES],
            "sentences": _sentences(reference, name, {r["figure"]: r for r in rows}, ref, other),
        })
    return {"reference": reference, "comparisons": comparisons}


def _row(path: str, label: str, ref: dict, other: dict) -> dict:
    a, b = figure(ref, path), figure(other, path)
    return {"figure": path, "label": label, "reference": a, "other": b, "difference": a - b,
            "ratio": round(a / b, 2) if b else None}


def _more(difference: float) -> str:
    return "more" if difference >= 0 else "fewer"


def _sentences(reference: str, name: str, rows: dict, ref: dict, other: dict) -> list[str]:
    size = "; ".join(
        f"{abs(rows[p]['difference'])} {_more(rows[p]['difference'])} {rows[p]['label']}:"
        f" {rows[p]['reference']} vs {rows[p]['other']}{_ratio(rows[p])}"
        for p in _SIZE_ROWS
    )
    counts = ", ".join(f"{rows[p]['label']} {rows[p]['reference']} vs {rows[p]['other']}" for p in _COUNT_ROWS)
    sentences = [f"{reference} needs {size} than {name}.", f"{reference} vs {name}: {counts}."]
    extra = rows["sloc"]["difference"]
    state_error = sum(rows[p]["difference"] for p in ("line_attribution.state", "line_attribution.error_handling"))
    if extra > 0:
        sentences.append(
            f"Lines of state management and error handling make up {state_error} of the {extra} extra source "
            f"lines ({round(100 * state_error / extra)}%): {rows['line_attribution.state']['reference']} vs "
            f"{rows['line_attribution.state']['other']} lines of state management, "
            f"{rows['line_attribution.error_handling']['reference']} vs "
            f"{rows['line_attribution.error_handling']['other']} of error handling.")
    sentences.extend(_definition_sentences(reference, name, ref, other))
    stage_differences = [(figure(ref, f"stages.{s}.sloc") - figure(other, f"stages.{s}.sloc"), s) for s in STAGES]
    biggest = max(stage_differences)
    if biggest[0] > 0:
        sentences.append(f"The stage that grows most is {biggest[1]}: {biggest[0]} more source lines in {reference}.")
    return sentences


def _definition_sentences(reference: str, name: str, ref: dict, other: dict) -> list[str]:
    """Where orchestration lives in a state machine definition, how much of it there is: its lines are
    written and maintained like code, though not in Python."""
    sentences = []
    for who, static in ((reference, ref), (name, other)):
        definition = static.get("definition") or {}
        if definition.get("files"):
            sentences.append(
                f"{who} also has {definition['lines']} lines of state machine definition "
                f"({round(100 * static.get('definition_share', 0))}% of its lines, Python SLOC plus definition): "
                f"{definition['states']} states, {definition['task_states']} of them Task states, "
                f"{definition['retriers']} Retry and {definition['catchers']} Catch entries; counting those, "
                f"{static['error_handling']['retry_constructs']} retry constructs and "
                f"{static.get('error_handling_paths', 0)} error-handling paths (except handlers + Catch blocks).")
    return sentences


def _ratio(row: dict) -> str:
    return f", {row['ratio']}x" if row["ratio"] is not None else ""
