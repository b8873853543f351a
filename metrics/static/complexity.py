"""Cyclomatic complexity (radon, cross-checked with lizard), Halstead volume and maintainability index.

All from radon's and lizard's Python APIs, on the syntax tree already parsed for the file (radon) and the
source text already read (lizard), so nothing is parsed twice for radon.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

import lizard
from radon.metrics import h_visit_ast, mi_compute
from radon.visitors import ComplexityVisitor, Function

from .raw import RawCounts

_LIZARD_EXTENSIONS = lizard.get_extensions([])


@dataclass(frozen=True)
class Block:
    """A function or method as `radon cc` lists it (classes themselves are left out)."""

    name: str
    kind: str
    line: int
    end_line: int
    complexity: int


@dataclass(frozen=True)
class LizardFunction:
    name: str
    line: int
    end_line: int
    ccn: int
    nloc: int


@dataclass(frozen=True)
class ModuleComplexity:
    blocks: list[Block]
    total_complexity: int  # radon's module total (decision points of all code + 1), an input of MI
    halstead_volume: float
    maintainability_index: float


def radon_complexity(tree: ast.Module, raw: RawCounts) -> ModuleComplexity:
    visitor = ComplexityVisitor.from_ast(tree)
    blocks = [
        Block(f"{b.classname}.{b.name}" if b.is_method else b.name, "method" if b.is_method else "function",
              b.lineno, b.endline, b.complexity)
        for b in visitor.blocks if isinstance(b, Function)
    ]
    volume = h_visit_ast(tree).total.volume
    # radon mi's default (multi-line strings count as comments), from figures already computed.
    comment_percent = (raw.comments + raw.multi) / raw.sloc * 100 if raw.sloc else 0
    mi = mi_compute(volume, visitor.total_complexity, raw.lloc, comment_percent)
    return ModuleComplexity(blocks, visitor.total_complexity, volume, mi)


def lizard_functions(path: str, source: str) -> list[LizardFunction]:
    info = lizard.FileAnalyzer(_LIZARD_EXTENSIONS).analyze_source_code(path, source)
    return [LizardFunction(f.name, f.start_line, f.end_line, f.cyclomatic_complexity, f.nloc)
            for f in info.function_list]


def expected_radon_minus_lizard(function: ast.AST) -> tuple[int, list[str]]:
    """How far radon's cyclomatic complexity of a function should exceed lizard's CCN, from the constructs
    the two count differently: radon adds 1 per `assert`, per `else` of a loop or `try`, and per `case`
    except a bare `case _`; lizard adds 1 per `finally` and per `case` keyword. Both skip nested functions,
    so the count stops at them."""
    reasons: dict[str, int] = {}
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(node, ast.Assert):
            reasons["assert"] = reasons.get("assert", 0) + 1
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)) and node.orelse:
            reasons["loop else"] = reasons.get("loop else", 0) + 1
        elif isinstance(node, (ast.Try, ast.TryStar)):
            if node.orelse:
                reasons["try else"] = reasons.get("try else", 0) + 1
            if node.finalbody:
                reasons["finally"] = reasons.get("finally", 0) - 1
        elif isinstance(node, ast.Match):
            wildcard = sum(1 for case in node.cases if getattr(case.pattern, "pattern", False) is None)
            if wildcard:
                reasons["case _"] = reasons.get("case _", 0) - wildcard
        stack.extend(ast.iter_child_nodes(node))
    return sum(reasons.values()), [f"{name} {value:+d}" for name, value in sorted(reasons.items())]
