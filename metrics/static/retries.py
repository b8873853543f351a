"""Retry constructs, each counted once:

- a retry loop: a `while` loop, or a `for` loop over `range(...)`/`count(...)` or over a variable named for
  attempts, whose body (not counting nested functions and loops) holds a `try` with an except handler that
  does not end by leaving the loop (`raise`, `return`, `break`), so the loop goes round again;
- an attempt bound: an `if`/`while` test that compares an attempt counter (a name containing "attempt",
  "retr" or "tries") with `<`, `<=`, `>` or `>=`, outside a retry loop (a hand-made retry across
  invocations, such as re-invoking a Lambda while attempts remain), or a string in a statement that
  compares such an attribute in a DynamoDB condition (`#attempts < :max`), once per statement;
- a botocore `Config(retries=...)`;
- a durable SDK retry strategy or preset: a `create_retry_strategy(...)` or `RetryPresets.NAME(...)` call;
- a retry decorator (`@retry`, `@tenacity.retry(...)`, `@backoff.on_exception(...)`, ...).
"""
from __future__ import annotations

import ast
import re

from . import vocabulary as vocab
from .error_handling import REGION_PRIORITY
from .model import FindingKind, LineClass, Mark
from .module_info import Detector
from .syntax import LOOP_NODES, Context, FUNCTION_NODES, dotted_name, last_name, statement_span

_LEAVING = (ast.Raise, ast.Return, ast.Break)
_CONDITION_BOUND = re.compile(r"#?\w*(attempt|retr|tries)\w*\s*(<|<=|>|>=)\s*:", re.IGNORECASE)
_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


class RetryDetector(Detector):
    node_types = LOOP_NODES + FUNCTION_NODES + (ast.If, ast.Call, ast.Constant)

    def __init__(self, module) -> None:
        super().__init__(module)
        self._retry_loops: set[int] = set()
        self._bounded_spans: set[tuple[int, int]] = set()

    def visit(self, node: ast.AST, ctx: Context) -> None:
        if isinstance(node, LOOP_NODES) and _is_retry_loop(node):
            self._retry_loops.add(id(node))
            self._found(node, ctx, f"retry loop ({type(node).__name__.lower()})")
        elif isinstance(node, (ast.If, ast.While)) and not self._in_retry_loop(node, ctx):
            counter = _attempt_bound(node.test)
            if counter:
                self._found(node, ctx, f"attempt bound on {counter}")
        elif isinstance(node, ast.Call):
            self._visit_call(node, ctx)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and ctx.span not in self._bounded_spans:
            match = _CONDITION_BOUND.search(node.value)
            if match and not self._in_retry_loop(node, ctx):
                self._bounded_spans.add(ctx.span)
                self.add(FindingKind.RETRY_CONSTRUCT, ctx.span, ctx, f"attempt bound in a condition: {match.group(0)}")
                self._mark(*ctx.span)
        elif isinstance(node, FUNCTION_NODES):
            for decorator in node.decorator_list:
                name = last_name(decorator) or ""
                if name in vocab.RETRY_DECORATOR_NAMES or "retry" in name.lower():
                    self.add(FindingKind.RETRY_CONSTRUCT, decorator, ctx, f"@{ast.unparse(decorator)}"[:80])
                    self._mark(decorator.lineno, decorator.end_lineno)

    def _visit_call(self, call: ast.Call, ctx: Context) -> None:
        name = last_name(call.func) or ""
        owner = dotted_name(call.func.value) if isinstance(call.func, ast.Attribute) else None
        if name in vocab.BOTOCORE_CONFIG_NAMES and any(k.arg == "retries" for k in call.keywords):
            detail = "botocore Config(retries=...)"
        elif name in vocab.SDK_RETRY_FACTORIES:
            detail = f"{name}(...)"
        elif owner and owner.split(".")[-1] in vocab.SDK_RETRY_PRESETS:
            detail = f"{owner}.{name}()"
        else:
            return
        self.add(FindingKind.RETRY_CONSTRUCT, call, ctx, detail)
        self._mark(ctx.span[0], ctx.span[1])

    def _in_retry_loop(self, node: ast.AST, ctx: Context) -> bool:
        return id(node) in self._retry_loops or any(id(loop) in self._retry_loops for loop in ctx.loops)

    def _found(self, node: ast.AST, ctx: Context, detail: str) -> None:
        first, last = statement_span(node)
        self.add(FindingKind.RETRY_CONSTRUCT, (first, last), ctx, detail)
        self._mark(first, last)

    def _mark(self, first: int, last: int) -> None:
        self.marks.append(Mark(first, last, LineClass.ERROR_HANDLING, REGION_PRIORITY))


def _is_retry_loop(loop: ast.AST) -> bool:
    if isinstance(loop, (ast.For, ast.AsyncFor)) and not _counts_attempts(loop):
        return False
    return any(_handler_goes_round(h) for t in _own_tries(loop.body) for h in t.handlers)


def _counts_attempts(loop: ast.For) -> bool:
    target = ast.unparse(loop.target).lower()
    if any(word in target for word in vocab.ATTEMPT_WORDS):
        return True
    return isinstance(loop.iter, ast.Call) and last_name(loop.iter.func) in ("range", "count")


def _own_tries(body: list[ast.stmt]):
    """Try statements in a loop body, not looking into nested functions, classes or loops."""
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Try, ast.TryStar)):
            yield node
        if isinstance(node, FUNCTION_NODES + LOOP_NODES + (ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, (ast.stmt, ast.excepthandler)))


def _handler_goes_round(handler: ast.ExceptHandler) -> bool:
    return not isinstance(handler.body[-1], _LEAVING)


def _attempt_bound(test: ast.AST) -> str | None:
    for node in ast.walk(test):
        if isinstance(node, ast.Compare) and any(isinstance(op, _ORDERING) for op in node.ops):
            for operand in [node.left] + node.comparators:
                name = _operand_name(operand)
                if name and any(word in name.lower() for word in vocab.ATTEMPT_WORDS):
                    return name
    return None


def _operand_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.slice.value
    if isinstance(node, ast.Call):
        node = node.func
    return last_name(node)
