"""What every detector may read about the module under analysis."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .calls import CallResolver
from .config import StaticConfig
from .dataflow import Scope
from .program import ModuleFacts
from .index import ImplementationIndex
from .model import Finding, FindingKind, Mark
from .syntax import Context, ImportMap


@dataclass
class ModuleInfo:
    path: str
    tree: ast.Module
    lines: list[str]  # the source's lines; lines[0] is line 1
    config: StaticConfig
    index: ImplementationIndex
    resolver: CallResolver
    imports: ImportMap = field(init=False)
    facts: ModuleFacts = field(init=False)

    def __post_init__(self) -> None:
        self.resolver.work_packages = frozenset({self.config.media_package})
        self.facts = self.resolver.program.module(self.path)
        self.imports = self.facts.imports

    def text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def scope(self, ctx: Context) -> Scope:
        """Where names in the current node are looked up: its innermost function (a lambda's names are looked
        up in the function holding it)."""
        return Scope(self.facts, ctx.function_node)


class Detector:
    """Collects findings and line marks from the shared walk; subclasses implement `visit` for the node
    types they name in `node_types`."""

    node_types: tuple[type, ...] = ()

    def __init__(self, module: ModuleInfo) -> None:
        self.module = module
        self.findings: list[Finding] = []
        self.marks: list[Mark] = []

    def visit(self, node: ast.AST, ctx: Context) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Called once after the walk."""

    def add(self, kind: FindingKind, node_or_span: ast.AST | tuple[int, int], ctx: Context, detail: str,
            **extra: str | None) -> None:
        if isinstance(node_or_span, tuple):
            first, last = node_or_span
        else:
            first, last = node_or_span.lineno, node_or_span.end_lineno or node_or_span.lineno
        self.findings.append(Finding(kind, first, last, ctx.function, detail, **extra))
