"""Writes report.json, report.md and report.html (jinja2 templates in reports/templates/)."""
from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from metrics.static.config import STAGES
from metrics.static.model import FindingKind

from .charts import LINE_CLASS_COLOURS, grouped_bars, stacked_bars
from .options import REPO_ROOT
from .runtime_charts import COST_CATEGORY_LABELS, RUNTIME_STAGES, SWEEP_CHARTS, runtime_charts
from .runtime_summary import SWEEP_ROWS, value_at
from .sections import ReportState
from .source_view import LINE_CLASS_LABELS, anchor
from .summary import figure

TEMPLATES = REPO_ROOT / "reports" / "templates"
_CHART_FIGURES = (
    ("sloc", "source lines (SLOC)"),
    ("cyclomatic.total", "cyclomatic complexity"),
    ("cognitive.total", "cognitive complexity"),
    ("error_handling.except_handlers", "except handlers"),
    ("error_handling.conditional_writes", "conditional writes"),
    ("error_handling.retry_constructs", "retry constructs"),
    ("error_handling.idempotency_guards", "idempotency guards"),
    ("state_io_calls", "state I/O call sites"),
    ("durable_operation_sites", "durable operation sites"),
)

# The state machine definition (metrics/static/definitions.py): 0 for an implementation without one.
DEFINITION_ROWS = (
    ("error_handling.catchers", "Catch blocks (definition)"),
    ("error_handling_paths", "error-handling paths (except handlers + Catch blocks)"),
    ("definition.files", "definition: files"),
    ("definition.lines", "definition: lines (non-blank)"),
    ("definition_share", "definition: share of lines (definition / (SLOC + definition))"),
    ("definition.states", "definition: states"),
    ("definition.task_states", "definition: Task states (orchestration)"),
    ("definition.states_by_type.Map", "definition: Map states"),
    ("definition.states_by_type.Choice", "definition: Choice states"),
    ("definition.states_by_type.Parallel", "definition: Parallel states"),
    ("definition.states_by_type.Pass", "definition: Pass states"),
    ("definition.states_by_type.Wait", "definition: Wait states"),
    ("definition.states_by_type.Succeed", "definition: Succeed states"),
    ("definition.states_by_type.Fail", "definition: Fail states"),
    ("definition.retriers", "definition: Retry entries (also in retry constructs)"),
    ("definition.max_attempts", "definition: max attempts of a retrier"),
)

OVERVIEW_ROWS = (
    ("files", "files"), ("functions", "functions"),
    ("loc", "LOC"), ("sloc", "SLOC"), ("lloc", "LLOC"), ("comments", "comments"), ("blank", "blank"),
    ("cyclomatic.total", "cyclomatic (sum)"), ("cyclomatic.max", "cyclomatic (max)"),
    ("cyclomatic.mean", "cyclomatic (mean)"),
    ("cyclomatic_lizard.total", "lizard CCN (sum)"), ("cyclomatic_lizard.functions", "lizard functions"),
    ("cognitive.total", "cognitive (sum)"), ("cognitive.max", "cognitive (max)"),
    ("halstead_volume", "Halstead volume (sum of files)"),
    ("maintainability_index.mean", "maintainability index (mean of files)"),
    ("maintainability_index.min", "maintainability index (lowest file)"),
    ("error_handling.try_blocks", "try blocks"), ("error_handling.except_handlers", "except handlers"),
    ("error_handling.finally_blocks", "finally blocks"), ("error_handling.raise_statements", "raise statements"),
    ("error_handling.conditional_writes", "conditional writes"),
    ("error_handling.retry_constructs", "retry constructs"),
    ("error_handling.idempotency_guards", "idempotency guards"),
    ("state_io_calls", "state I/O call sites"), ("serialization_sites", "serialization sites"),
    ("durable_operation_sites", "durable operation sites"),
    ("line_attribution.media", "lines: media work"), ("line_attribution.orchestration", "lines: orchestration"),
    ("line_attribution.state", "lines: state management"),
    ("line_attribution.error_handling", "lines: error handling"),
) + DEFINITION_ROWS
# The definition's figures belong to the whole implementation, not to a stage of its Python code.
STAGE_ROWS = tuple(row for row in OVERVIEW_ROWS
                   if not row[0].startswith(("halstead", "maintainability")) and row not in DEFINITION_ROWS)
SECTION_TITLES = {"summary": "Summary", "static": "Static complexity", "runtime": "Run-time behaviour",
                  "recovery": "Failure recovery", "call_sites": "State I/O call sites",
                  "validity": "Threats to validity"}


def ordered_sections(report: dict) -> list[str]:
    """The summary first, then the sections in the order they were built."""
    sections = report["sections"]
    return [s for s in sections if s == "summary"] + [s for s in sections if s != "summary"]


def _environment(html: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html.j2"]) if html else False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["figure"] = figure
    env.filters["num"] = _num
    env.filters["at"] = value_at
    env.filters["usd"] = _usd
    env.filters["secs"] = _seconds
    env.filters["kind"] = _by_kind
    env.globals.update(stages=STAGES, line_class_labels=LINE_CLASS_LABELS, anchor=anchor,
                       overview_rows=OVERVIEW_ROWS, stage_rows=STAGE_ROWS, section_titles=SECTION_TITLES,
                       finding_kinds=[kind.value for kind in FindingKind], runtime_stages=RUNTIME_STAGES,
                       sweep_rows=SWEEP_ROWS, sweep_charts=SWEEP_CHARTS,
                       cost_category_labels=COST_CATEGORY_LABELS)
    return env


def _num(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _usd(value) -> str:
    """Dollars with enough digits to tell small amounts apart (a job's state costs millionths)."""
    if value is None:
        return "–"
    if value == 0:
        return "0"
    return f"{value:,.4f}" if abs(value) >= 0.01 else f"{value:.3g}" if abs(value) < 1e-6 else f"{value:.6f}"


def _seconds(value) -> str:
    return "–" if value is None else f"{value:,.2f}"


def _by_kind(value, kind: str) -> str:
    """A figure as the runtime summary rows describe it (``usd``, ``usd1000``, ``seconds``, ``ratio``, ...)."""
    if value is None:
        return "–"
    if kind in ("usd", "usd1000"):
        return _usd(value)
    if kind == "seconds":
        return _seconds(value)
    if kind == "ratio":
        return f"{value:.2f}x"
    if kind == "int":
        return _num(int(value)) if isinstance(value, (int, float)) else str(value)
    return _num(round(value, 3) if isinstance(value, float) else value)


def charts(report: dict) -> dict:
    implementations = {name: entry["static"] for name, entry in report["implementations"].items()
                       if "static" in entry}
    if not implementations:
        return {}
    return {
        "figures": grouped_bars(
            "Static figures per implementation", [label for _, label in _CHART_FIGURES],
            {name: [figure(static, path) for path, _ in _CHART_FIGURES] for name, static in implementations.items()}),
        "stages": grouped_bars(
            "Source lines per stage", list(STAGES),
            {name: [figure(static, f"stages.{stage}.sloc") for stage in STAGES]
             for name, static in implementations.items()}),
        "attribution": stacked_bars(
            "Source lines by what they do",
            {name: static["line_attribution"] for name, static in implementations.items()},
            LINE_CLASS_COLOURS, LINE_CLASS_LABELS),
    }


def write_report(state: ReportState, out_dir: Path | None = None) -> dict[str, Path]:
    out = Path(out_dir or state.options.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json", "md": out / "report.md", "html": out / "report.html"}
    paths["json"].write_text(json.dumps(state.report, indent=1) + "\n", encoding="utf-8")
    paths["md"].write_text(_environment(html=False).get_template("report.md.j2").render(
        report=state.report, sections=ordered_sections(state.report)),
                           encoding="utf-8")
    html = _environment(html=True).get_template("report.html.j2").render(
        report=state.report, views=state.views, charts={**charts(state.report), **runtime_charts(state.report)},
        sections=ordered_sections(state.report))
    paths["html"].write_text(html, encoding="utf-8")
    return paths
