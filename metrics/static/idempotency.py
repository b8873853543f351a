"""Idempotency guards: the places where code learns that its work was already done (or claimed by another
invocation) and does not do it again. Each counted once:

- an except handler that catches a lost conditional write by class: ConditionalCheckFailedException,
  TransactionCanceledException, PreconditionFailed, ..., or an exception class of the implementation raised
  from a handler of one, or a subclass of such a class (see conflicts.py);
- a comparison with one of those error codes (`code == "ConditionalCheckFailedException"`, or `in` a
  constant naming them), outside such a handler;
- an early exit on a recorded status: an `if` without `else` whose body is a `return` or `continue`, with at
  most one statement before it, and whose test compares a status field (a key, attribute or name containing
  "status" or "state") with `==`, `!=`, `in`, `not in` or `is` against an upper-case status constant
  ("SUCCEEDED", `DONE`, `Status.DONE`);
- an `@idempotent` / `@idempotent_function` decorator (Powertools for AWS Lambda).
"""
from __future__ import annotations

import ast
import re

from . import vocabulary as vocab
from .model import FindingKind
from .module_info import Detector, ModuleInfo
from .syntax import Context, FUNCTION_NODES, dotted_name, last_name

_STATUS = re.compile(r"^[A-Z][A-Z0-9_]{2,}$")
_EQUALITY = (ast.Eq, ast.NotEq, ast.In, ast.NotIn, ast.Is, ast.IsNot)
_EARLY_EXIT = (ast.Return, ast.Continue)
_STATUS_WORDS = ("status", "state")
# A skip is short: the exit, and at most one statement before it (a log line, a clean-up call).
_MAX_SKIP_STATEMENTS = 2


class IdempotencyDetector(Detector):
    node_types = FUNCTION_NODES + (ast.ExceptHandler, ast.Compare, ast.If)

    def __init__(self, module: ModuleInfo) -> None:
        super().__init__(module)
        self._guard_handlers: set[int] = set()
        self._code_constants = _constants_naming_condition_failures(module.tree)

    def visit(self, node: ast.AST, ctx: Context) -> None:
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            caught = [n for n in _names(node.type) if n in self.module.index.conflict_exceptions]
            if caught:
                self._guard_handlers.add(id(node))
                self.add(FindingKind.IDEMPOTENCY_GUARD, (node.lineno, node.lineno), ctx, f"except {caught[0]}")
        elif isinstance(node, ast.Compare) and not (ctx.handler and id(ctx.handler) in self._guard_handlers):
            code = self._condition_failure_code(node)
            if code:
                self.add(FindingKind.IDEMPOTENCY_GUARD, ctx.span, ctx, f"checks for {code}")
        elif isinstance(node, ast.If) and not node.orelse and isinstance(node.body[-1], _EARLY_EXIT) \
                and len(node.body) <= _MAX_SKIP_STATEMENTS:
            status = _status_compared(node.test)
            if status:
                self.add(FindingKind.IDEMPOTENCY_GUARD, ctx.span, ctx, f"early exit on status {status}")
        elif isinstance(node, FUNCTION_NODES):
            for decorator in node.decorator_list:
                if last_name(decorator) in vocab.IDEMPOTENCY_DECORATORS:
                    self.add(FindingKind.IDEMPOTENCY_GUARD, decorator, ctx, f"@{last_name(decorator)}")

    def _condition_failure_code(self, node: ast.Compare) -> str | None:
        for operand in [node.left] + node.comparators:
            for value in _constants(operand):
                if value in vocab.CONDITION_FAILURE_NAMES:
                    return value
            name = dotted_name(operand)
            if name in self._code_constants:
                return name
        return None


def _names(node: ast.AST) -> list[str]:
    elements = node.elts if isinstance(node, ast.Tuple) else [node]
    return [name for name in (last_name(e) for e in elements) if name]


def _constants(node: ast.AST) -> list[str]:
    elements = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
    return [e.value for e in elements if isinstance(e, ast.Constant) and isinstance(e.value, str)]


def _constants_naming_condition_failures(tree: ast.Module) -> frozenset[str]:
    """Module-level names bound to a condition-failure error code or a collection of them."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            value = node.value
            if isinstance(value, ast.Call) and value.args:  # frozenset({...})
                value = value.args[0]
            if any(v in vocab.CONDITION_FAILURE_NAMES for v in _constants(value)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names.update(t.id for t in targets if isinstance(t, ast.Name))
    return frozenset(names)


def _status_compared(test: ast.AST) -> str | None:
    """The status constant a status field is compared with: `job["status"] == FAILED`,
    `item.state != "DONE"`, `status in (Status.DONE, Status.FAILED)`."""
    for node in ast.walk(test):
        if isinstance(node, ast.Compare) and all(isinstance(op, _EQUALITY) for op in node.ops):
            operands = [node.left] + node.comparators
            if not any(_is_status_field(o) for o in operands):
                continue
            for operand in operands:
                constant = _status_constant(operand)
                if constant:
                    return constant
    return None


def _is_status_field(node: ast.AST) -> bool:
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        name = node.slice.value
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        name = node.args[0].value
    else:
        name = last_name(node) or ""
    return any(word in name.lower() for word in _STATUS_WORDS)


def _status_constant(node: ast.AST) -> str | None:
    elements = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
    for element in elements:
        if isinstance(element, ast.Constant) and isinstance(element.value, str) and _STATUS.match(element.value):
            return repr(element.value)
        if isinstance(element, (ast.Name, ast.Attribute)) and _STATUS.match(last_name(element) or ""):
            return dotted_name(element)
    return None
