"""Analysis of one file: one read, one `ast` parse shared by radon and every detector, one lizard pass."""
from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass, field, replace

from .attribution import classify_lines
from .cognitive import cognitive_complexity
from .complexity import Block, LizardFunction, expected_radon_minus_lizard, lizard_functions, radon_complexity
from .config import PLUMBING, StaticConfig
from .error_handling import ErrorHandlingDetector
from .idempotency import IdempotencyDetector
from .index import ImplementationIndex, resolver_for
from .media_work import MediaWorkDetector
from .model import Finding, FunctionMetrics, LineClass
from .module_info import Detector, ModuleInfo
from .raw import SLOC, RawCounts, line_kinds, raw_groups, sum_groups
from .retries import RetryDetector
from .stages import line_stages
from .state_handling import StateHandlingDetector
from .syntax import FUNCTION_NODES, statements, walk


@dataclass
class FileAnalysis:
    path: str  # relative to the implementation root, POSIX separators
    source: str
    lines: list[str]
    parse_error: str | None = None
    raw: RawCounts = field(default_factory=RawCounts)
    stage_raw: dict[str, RawCounts] = field(default_factory=dict)
    functions: list[FunctionMetrics] = field(default_factory=list)
    lizard: list[LizardFunction] = field(default_factory=list)
    lizard_stages: list[str] = field(default_factory=list)
    halstead_volume: float = 0.0
    maintainability_index: float | None = None
    findings: list[Finding] = field(default_factory=list)
    line_stages: list[str] = field(default_factory=list)
    line_kinds: list[str] = field(default_factory=list)
    line_classes: list[LineClass | None] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def split_lines(source: str) -> list[str]:
    """Lines as the parser numbers them (only \\n, \\r\\n and \\r end a line)."""
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def analyze_source(path: str, source: str, config: StaticConfig = StaticConfig(),
                   index: ImplementationIndex | None = None) -> FileAnalysis:
    """Analyse one file. `index` holds what the rest of its implementation contributes (build_index); without
    it the file is an implementation of its own."""
    if index is None:
        index = ImplementationIndex(sources={path: source})
    resolver = resolver_for(index)
    lines = split_lines(source)
    result = FileAnalysis(path=path, source=source, lines=lines)
    try:
        tree = resolver.program.tree(path, source)
        groups = raw_groups(source)
    except (SyntaxError, ValueError) as error:
        line = getattr(error, "lineno", None)
        result.parse_error = f"{type(error).__name__}: {getattr(error, 'msg', None) or error}" \
            + (f" (line {line})" if line else "")
        return result
    result.line_stages, result.warnings = line_stages(path, tree, lines)
    result.line_kinds = _fit(line_kinds(groups), len(lines), SLOC)
    result.stage_raw = sum_groups(groups, lambda group: _at(result.line_stages, group.first))
    for counts in result.stage_raw.values():
        result.raw.add(counts)

    module = ModuleInfo(path, tree, lines, config, index, resolver)
    detectors = _run_detectors(module)
    marks = [mark for d in detectors for mark in d.marks]
    result.line_classes = classify_lines(result.line_kinds, marks)
    result.findings = sorted(
        (replace(f, file=path, stage=_at(result.line_stages, f.line))
         for d in detectors for f in d.findings),
        key=lambda f: (f.line, f.kind.value),
    )

    complexity = radon_complexity(tree, result.raw)
    result.halstead_volume = complexity.halstead_volume
    result.maintainability_index = complexity.maintainability_index
    try:
        result.lizard = lizard_functions(path, source)
    except Exception as error:  # a tool's failure on one file must not stop the report
        result.warnings.append(f"{path}: lizard failed ({type(error).__name__}: {error}); no CCN for this file")
    result.lizard_stages = [_at(result.line_stages, f.line) for f in result.lizard]
    result.functions = _function_metrics(complexity.blocks, tree, lines, result)
    return result


def _run_detectors(module: ModuleInfo) -> list[Detector]:
    detectors: list[Detector] = [
        ErrorHandlingDetector(module), StateHandlingDetector(module), RetryDetector(module),
        IdempotencyDetector(module), MediaWorkDetector(module),
    ]
    dispatch = defaultdict(list)
    for detector in detectors:
        for node_type in detector.node_types:
            dispatch[node_type].append(detector.visit)
    for node, ctx in walk(module.tree):
        for visit in dispatch.get(type(node), ()):
            visit(node, ctx)
    for detector in detectors:
        detector.finish()
    return detectors


def _function_metrics(blocks: list[Block], tree: ast.Module, lines: list[str], result: FileAnalysis) -> list[FunctionMetrics]:
    definitions = {node.lineno: node for node in statements(tree) if isinstance(node, FUNCTION_NODES)}
    lizard_by_line = {f.line: f.ccn for f in result.lizard}
    functions = []
    for block in blocks:
        node = definitions[block.line]  # radon's blocks are these very FunctionDef nodes
        cognitive, increments = cognitive_complexity(node, lines)
        lizard_ccn = lizard_by_line.get(block.line)
        functions.append(FunctionMetrics(
            name=block.name, kind=block.kind, line=block.line, end_line=block.end_line,
            stage=_at(result.line_stages, block.line), cyclomatic=block.complexity, cognitive=cognitive,
            lizard_ccn=lizard_ccn, ccn_note=_ccn_note(node, block.complexity, lizard_ccn),
            sloc=result.line_kinds[block.line - 1:block.end_line].count(SLOC),
            cognitive_increments=increments,
        ))
    return sorted(functions, key=lambda f: f.line)


def _ccn_note(node: ast.AST, radon_cc: int, lizard_ccn: int | None) -> str | None:
    if lizard_ccn is None:
        if node.body[0].lineno == node.lineno:
            return "lizard lists no function here (explained: it skips a def whose body is on the def line)"
        return "lizard lists no function here (not explained)"
    if radon_cc == lizard_ccn:
        return None
    expected, reasons = expected_radon_minus_lizard(node)
    explained = "explained" if radon_cc - lizard_ccn == expected else "not explained"
    return f"radon {radon_cc} vs lizard {lizard_ccn} ({explained}: {', '.join(reasons) or 'no known cause'})"


def _at(values: list[str], line: int) -> str:
    return values[line - 1] if 0 < line <= len(values) else (values[-1] if values else PLUMBING)


def _fit(values: list[str], length: int, fill: str) -> list[str]:
    """radon splits lines with str.splitlines, which also breaks at form feeds and other separators; keep
    the per-line lists aligned with the parser's line numbers."""
    return values[:length] + [fill] * (length - len(values))
