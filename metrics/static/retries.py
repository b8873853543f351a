"""Retry constructs, by what they do, each counted once:

- a retry loop: a loop (`while`, or `for` over a counter such as `range(n)`/`count()`) holding a `try` whose
  success can leave the loop (a `return`/`break` in its body or `else`, also under an `if` there, one right
  after it, or setting the flag the `while` tests) and one of whose handlers goes round again (does not end by leaving the
  loop). A pagination loop (success does not leave) and a loop over items that tolerates a failed item
  (success goes on to the next item; the loop variable indexes the items) are not retries;
- a retry library, in any spelling the imports resolve: tenacity (`@retry`, `@tenacity.retry(...)`,
  `tenacity.retry(...)(fn)`, `Retrying(...)`, `AsyncRetrying(...)`), backoff (`on_exception`,
  `on_predicate`), retrying, stamina, urllib3's `Retry`;
- a botocore `Config` whose arguments, as really passed (`**{"retries": ...}` included), hold `retries`;
- a durable SDK retry strategy or preset: `create_retry_strategy(...)`, `RetryPresets.NAME(...)`;
- a counter bounded in a DynamoDB write: the write ADDs to an attribute (`ADD #n :one`, `SET #n = #n + :one`)
  and its condition compares the same attribute with a bound (`#n < :max`), whatever it is called;
- a re-invocation bounded by a comparison: an `if` whose test orders two values (`n < limit`) and whose
  body invokes a function again (`.invoke(...)`), outside a retry loop: a retry across invocations.
"""
from __future__ import annotations

import ast

from .calls import bounded_counters
from .values import External, FuncRef, Method, Obj
from .error_handling import REGION_PRIORITY
from .model import FindingKind, LineClass, Mark
from .module_info import Detector
from .syntax import LOOP_NODES, Context, FUNCTION_NODES, statement_span

_LEAVING = (ast.Raise, ast.Return, ast.Break)
_EXITING = (ast.Return, ast.Break)
_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_COUNTERS = frozenset({"range", "count", "repeat"})
RETRY_LIBRARY = frozenset({
    "tenacity.retry", "tenacity.Retrying", "tenacity.AsyncRetrying", "tenacity.TornadoRetrying",
    "retrying.retry", "retrying.Retrying", "backoff.on_exception", "backoff.on_predicate",
    "stamina.retry", "stamina.retry_context", "urllib3.util.retry.Retry", "urllib3.Retry",
    "urllib3.util.Retry", "requests.adapters.Retry",
})
_LIBRARY_NAMES = frozenset(name.rsplit(".", 1)[1] for name in RETRY_LIBRARY)
_SDK_RETRY = frozenset({"create_retry_strategy"})
_SDK_PRESETS = "RetryPresets"


class RetryDetector(Detector):
    node_types = LOOP_NODES + FUNCTION_NODES + (ast.If, ast.Call)

    def __init__(self, module) -> None:
        super().__init__(module)
        self._retry_loops: set[int] = set()
        self._bounded: set[int] = set()

    def visit(self, node: ast.AST, ctx: Context) -> None:
        if isinstance(node, LOOP_NODES) and _is_retry_loop(node):
            self._retry_loops.add(id(node))
            self._found(node, ctx, f"retry loop ({type(node).__name__.lower()})")
        elif isinstance(node, ast.If) and not self._in_retry_loop(ctx):
            if _orders(node.test) and _reinvokes(node.body):
                self._found(node, ctx, f"re-invocation bounded by {ast.unparse(node.test)[:60]}")
        elif isinstance(node, ast.Call):
            self._visit_call(node, ctx)
        elif isinstance(node, FUNCTION_NODES):
            for decorator in node.decorator_list:
                if not isinstance(decorator, ast.Call) and self._library(decorator, ctx):
                    self.add(FindingKind.RETRY_CONSTRUCT, decorator, ctx, f"@{ast.unparse(decorator)}"[:80],
                             how="data_flow")
                    self._mark(decorator.lineno, decorator.end_lineno)

    def _visit_call(self, call: ast.Call, ctx: Context) -> None:
        resolver = self.module.resolver
        scope = self.module.scope(ctx)
        library = self._library(call.func, ctx)
        detail = None
        if library:
            detail = f"{library}(...)"
        elif _last(call.func) in _SDK_RETRY:
            detail = f"{_last(call.func)}(...)"
        elif isinstance(call.func, ast.Attribute) and _last(call.func.value) == _SDK_PRESETS:
            detail = f"RetryPresets.{call.func.attr}()"
        elif self._is_botocore_config(call, scope):
            detail = "botocore Config(retries=...)"
        if detail:
            self.add(FindingKind.RETRY_CONSTRUCT, call, ctx, detail, how="data_flow" if library else "syntax")
            self._mark(ctx.span[0], ctx.span[1])
            return
        found = resolver.state_call(call, scope)
        if found is not None and found.operation and "UpdateItem" in found.operation and id(call) not in self._bounded:
            counters = bounded_counters(found.request)
            if counters:
                self._bounded.add(id(call))
                self.add(FindingKind.RETRY_CONSTRUCT, ctx.span, ctx,
                         f"counter {', '.join(counters)} added and bounded in the write's condition", how="data_flow")
                self._mark(*ctx.span)

    def _library(self, func: ast.AST, ctx: Context) -> str | None:
        last = _last(func)
        if last is None:
            return None
        if last not in _LIBRARY_NAMES and not (isinstance(func, ast.Name) and func.id in self.module.imports.aliases):
            return None  # neither a retry library's name nor an import alias that could be one
        value = self.module.resolver.evaluator.value(func, self.module.scope(ctx))
        if isinstance(value, External) and value.dotted in RETRY_LIBRARY:
            return value.dotted
        return None

    def _is_botocore_config(self, call: ast.Call, scope) -> bool:
        evaluator = self.module.resolver.evaluator
        if _last(call.func) != "Config":
            if not (isinstance(call.func, ast.Name) and call.func.id in self.module.imports.aliases):
                return False
            target = evaluator.callee(call, scope)
            if not (isinstance(target, External) and target.dotted.endswith("botocore.config.Config")):
                return False
        else:
            target = evaluator.callee(call, scope)
            if isinstance(target, External) and not target.dotted.startswith("botocore"):
                return False
            if isinstance(target, (FuncRef, Method, Obj)):
                return False
        return "retries" in evaluator.keywords(call, scope).keys()

    def _in_retry_loop(self, ctx: Context) -> bool:
        return any(id(loop) in self._retry_loops for loop in ctx.loops)

    def _found(self, node: ast.AST, ctx: Context, detail: str) -> None:
        first, last = statement_span(node)
        self.add(FindingKind.RETRY_CONSTRUCT, (first, last), ctx, detail)
        self._mark(first, last)

    def _mark(self, first: int, last: int) -> None:
        self.marks.append(Mark(first, last, LineClass.ERROR_HANDLING, REGION_PRIORITY))


def _last(node: ast.AST) -> str | None:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _is_retry_loop(loop: ast.AST) -> bool:
    if isinstance(loop, (ast.For, ast.AsyncFor)) and not _counts_attempts(loop):
        return False
    flag = _while_flag(loop)
    for position, statement in enumerate(loop.body):
        for attempt in _own_tries([statement]):
            if not any(_handler_goes_round(h) for h in attempt.handlers):
                continue
            after = loop.body[position + 1] if attempt is statement and position + 1 < len(loop.body) else None
            if _success_leaves(attempt, after, flag) and not _indexes_items(loop, attempt):
                return True
    return False


def _counts_attempts(loop: ast.For) -> bool:
    """A `for` over a counter (`range(n)`, `itertools.count()`), not over a collection of items."""
    return isinstance(loop.iter, ast.Call) and _last(loop.iter.func) in _COUNTERS


def _indexes_items(loop: ast.AST, attempt: ast.Try) -> bool:
    """The loop variable picks the item the try works on (`items[i]`): the loop walks items."""
    if not isinstance(loop, (ast.For, ast.AsyncFor)) or not isinstance(loop.target, ast.Name):
        return False
    name = loop.target.id
    return any(isinstance(n, ast.Subscript) and any(isinstance(s, ast.Name) and s.id == name for s in ast.walk(n.slice))
               for statement in attempt.body for n in ast.walk(statement))


def _while_flag(loop: ast.AST) -> str | None:
    if isinstance(loop, ast.While):
        test = loop.test.operand if isinstance(loop.test, ast.UnaryOp) else loop.test
        if isinstance(test, ast.Name):
            return test.id
    return None


def _success_leaves(attempt: ast.Try, after: ast.stmt | None, flag: str | None) -> bool:
    for block in (attempt.body, attempt.orelse):
        if block and (isinstance(block[-1], _EXITING) or _contains_exit(block)):
            return True
    if isinstance(after, _EXITING):
        return True
    if flag is not None:
        return any(isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == flag for t in n.targets)
                   for statement in attempt.body + attempt.orelse for n in ast.walk(statement))
    return False


def _contains_exit(block: list[ast.stmt]) -> bool:
    """A `return` or `break` of the loop in the block, at its own level or inside `if`/`with`/`try` blocks
    (`if response.ok: return response`), not inside a nested loop, function or class."""
    for statement in block:
        if isinstance(statement, _EXITING):
            return True
        if isinstance(statement, (ast.If, ast.With, ast.AsyncWith, ast.Try, ast.TryStar)):
            inner = [getattr(statement, f, None) or [] for f in ("body", "orelse", "finalbody")]
            if any(_contains_exit(b) for b in inner):
                return True
    return False


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


def _orders(test: ast.AST) -> bool:
    return any(isinstance(n, ast.Compare) and any(isinstance(op, _ORDERING) for op in n.ops) for n in ast.walk(test))


def _reinvokes(body: list[ast.stmt]) -> bool:
    return any(isinstance(n, ast.Call) and _last(n.func) == "invoke" for statement in body for n in ast.walk(statement))
