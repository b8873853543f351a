"""The figures of report.json: totals of an implementation and of each of its stages."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .config import STAGES
from .definitions import STATE_TYPES, definition_figures, definition_share, find_definitions
from .implementation import ImplementationAnalysis
from .model import ERROR_HANDLING_KINDS, STATE_KINDS, FunctionMetrics, LineClass
from .raw import RawCounts


@dataclass
class Figures:
    """Additive figures over some share of an implementation (all of it, or one stage)."""

    files: set[str] = field(default_factory=set)
    raw: RawCounts = field(default_factory=RawCounts)
    functions: list[FunctionMetrics] = field(default_factory=list)
    lizard_ccn: list[int] = field(default_factory=list)
    findings: Counter = field(default_factory=Counter)
    lines: Counter = field(default_factory=Counter)

    def to_dict(self) -> dict:
        cyclomatic = [f.cyclomatic for f in self.functions]
        cognitive = [f.cognitive for f in self.functions]
        figures = {"files": len(self.files), "functions": len(self.functions)}
        figures.update({k: v for k, v in self.raw.to_dict().items()})
        figures["cyclomatic"] = _summary(cyclomatic)
        figures["cyclomatic_lizard"] = dict(_summary(self.lizard_ccn), functions=len(self.lizard_ccn))
        figures["cognitive"] = _summary(cognitive)
        figures["error_handling"] = {name: self.findings[kind] for kind, name in ERROR_HANDLING_KINDS.items()}
        figures.update({name: self.findings[kind] for kind, name in STATE_KINDS.items()})
        figures["line_attribution"] = {cls.value: self.lines[cls] for cls in LineClass}
        return figures


def _summary(values: list[int]) -> dict:
    return {"total": sum(values), "max": max(values, default=0),
            "mean": round(sum(values) / len(values), 2) if values else 0.0}


def implementation_figures(analysis: ImplementationAnalysis) -> tuple[Figures, dict[str, Figures]]:
    """Figures of the whole implementation and of each stage."""
    whole = Figures()
    stages = {stage: Figures() for stage in STAGES}
    for file in analysis.parsed:
        whole.files.add(file.path)
        whole.raw.add(file.raw)
        for stage, counts in file.stage_raw.items():
            stages[stage].raw.add(counts)
            if counts.sloc:
                stages[stage].files.add(file.path)
        whole.functions.extend(file.functions)
        for function in file.functions:
            stages[function.stage].functions.append(function)
        for function, stage in zip(file.lizard, file.lizard_stages):
            whole.lizard_ccn.append(function.ccn)
            stages[stage].lizard_ccn.append(function.ccn)
        for finding in file.findings:
            whole.findings[finding.kind] += 1
            stages[finding.stage].findings[finding.kind] += 1
        for cls, stage in zip(file.line_classes, file.line_stages):
            if cls is not None:
                whole.lines[cls] += 1
                stages[stage].lines[cls] += 1
    return whole, stages


# How each finding-based figure is obtained: "syntax" (the construct's own text suffices) or "data flow"
# (names, receivers, request arguments and recorded-state reads resolved by dataflow.py / calls.py). The
# run-time cross-check adds "confirmed at run time" where it confirms a figure.
HOW_OBTAINED: dict[str, str] = {
    "error_handling.try_blocks": "syntax",
    "error_handling.except_handlers": "syntax",
    "error_handling.finally_blocks": "syntax",
    "error_handling.raise_statements": "syntax",
    "error_handling.conditional_writes": "data flow",
    "error_handling.retry_constructs": "data flow",
    "error_handling.idempotency_guards": "data flow",
    "state_io_calls": "data flow",
    "serialization_sites": "data flow",
    "durable_operation_sites": "data flow",
    "line_attribution.state": "data flow",
    "line_attribution.error_handling": "data flow",
    "line_attribution.media": "syntax",
    "line_attribution.orchestration": "data flow",
    "error_handling.catchers": "state machine definition",
    "error_handling_paths": "syntax + state machine definition",
    "definition_share": "state machine definition + tool",
}
HOW_OBTAINED.update({f"definition.{name}": "state machine definition" for name in (
    "files", "lines", "states", "task_states", "retriers", "max_attempts", "catchers")})
HOW_OBTAINED.update({f"definition.states_by_type.{kind}": "state machine definition" for kind in STATE_TYPES})
_FIGURE_OF_KIND = {kind: f"error_handling.{name}" for kind, name in ERROR_HANDLING_KINDS.items()}
_FIGURE_OF_KIND.update(STATE_KINDS)


def static_figures(analysis: ImplementationAnalysis) -> dict:
    """`implementations.NAME.static` of report.json."""
    whole, stages = implementation_figures(analysis)
    figures = whole.to_dict()
    parsed = analysis.parsed
    figures["halstead_volume"] = round(sum(f.halstead_volume for f in parsed), 2)
    indices = [f.maintainability_index for f in parsed if f.maintainability_index is not None]
    figures["maintainability_index"] = {
        "mean": round(sum(indices) / len(indices), 2) if indices else None,
        "min": round(min(indices), 2) if indices else None,
    }
    figures["stages"] = {stage: stages[stage].to_dict() for stage in STAGES}
    _add_definition(figures, analysis)
    figures["how"] = dict(HOW_OBTAINED)
    # Per figure, how many of its findings needed data flow (the rest were plain syntax).
    resolved = Counter(f.kind for file in parsed for f in file.findings if f.how == "data_flow")
    figures["how_counts"] = {_FIGURE_OF_KIND[kind]: {"data_flow": resolved[kind],
                                                     "syntax": whole.findings[kind] - resolved[kind]}
                             for kind in _FIGURE_OF_KIND}
    figures["findings"] = [f.to_dict() for file in parsed for f in file.findings]
    figures["functions_detail"] = [dict(f.to_dict(), file=file.path) for file in parsed for f in file.functions]
    figures["files_detail"] = [_file_detail(file) for file in parsed]
    figures["root"] = str(analysis.root)
    figures["excludes"] = list(analysis.config.excludes)
    figures["excluded_files"] = analysis.excluded
    figures["parse_errors"] = [{"file": f.path, "error": f.parse_error} for f in analysis.unparsed]
    figures["warnings"] = [w for file in parsed for w in file.warnings]
    return figures


def _add_definition(figures: dict, analysis: ImplementationAnalysis) -> None:
    """The state machine definitions' figures (definitions.py), and their part in the error handling: a
    Retry entry is a retry construct like a retry loop in Python; a Catch entry is an error-handling path
    of its own kind (``catchers``, not an ``except`` handler: it routes a failed state to another state),
    so the summary adds it to the except handlers as "error-handling paths". Zero without a definition."""
    root = analysis.root if analysis.root.is_dir() else None
    definition = definition_figures(find_definitions(root, analysis.config.excludes) if root else [])
    figures["definition"] = definition
    figures["definition_share"] = definition_share(definition["lines"], figures["sloc"])
    handling = figures["error_handling"]
    handling["retry_constructs"] += definition["retriers"]
    handling["catchers"] = definition["catchers"]
    figures["error_handling_paths"] = handling["except_handlers"] + definition["catchers"]


def _file_detail(file) -> dict:
    detail = {"file": file.path}
    detail.update(file.raw.to_dict())
    detail["functions"] = len(file.functions)
    detail["cyclomatic"] = sum(f.cyclomatic for f in file.functions)
    detail["cognitive"] = sum(f.cognitive for f in file.functions)
    detail["halstead_volume"] = round(file.halstead_volume, 2)
    detail["maintainability_index"] = round(file.maintainability_index, 2)
    detail["findings"] = len(file.findings)
    return detail
