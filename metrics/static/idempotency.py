"""Idempotency guards: the places where code learns that its work was already done (or claimed by another
invocation) and does not do it again. Each counted once:

- an except handler that catches a lost conditional write: ConditionalCheckFailedException,
  TransactionCanceledException, PreconditionFailed, ..., or an exception class of the implementation raised
  from a handler of one, or a subclass of such a class (see conflicts.py);
- a comparison with one of those error codes (`code == "ConditionalCheckFailedException"`, or `in` a
  constant naming them), outside such a handler;
- a check of recorded state that skips the work: an `if` whose test reads recorded state (data flow: the
  result of a state read such as `get_item`, `get_object`, `head_object`, a read wrapper such as
  `storage.exists(...)`, or the item a lost conditional write's exception carries, followed through
  variables, subscripts, calls and parameters), and that either leaves (its body ends with `return` or
  `continue`, however many statements come before) or does the work only when it is not done yet (`if
  not exists(...)`, `if item is None`, `!=`, `not in`, without `else`). After a lost conditional write
  each such branch is one decision about work another invocation did, claimed or used up, so each
  counts. Status values in any case count; the field's name does not matter;
- an `@idempotent` / `@idempotent_function` decorator (Powertools for AWS Lambda).
"""
from __future__ import annotations

import ast

from . import vocabulary as vocab
from .values import StateData
from .model import FindingKind
from .module_info import Detector, ModuleInfo
from .syntax import Context, FUNCTION_NODES, dotted_name, last_name

_EARLY_EXIT = (ast.Return, ast.Continue)
_NEGATIONS = (ast.NotEq, ast.NotIn, ast.IsNot)


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
        elif isinstance(node, ast.If):
            self._visit_if(node, ctx)
        elif isinstance(node, FUNCTION_NODES):
            for decorator in node.decorator_list:
                if last_name(decorator) in vocab.IDEMPOTENCY_DECORATORS:
                    self.add(FindingKind.IDEMPOTENCY_GUARD, decorator, ctx, f"@{last_name(decorator)}")

    def _visit_if(self, node: ast.If, ctx: Context) -> None:
        skips = isinstance(node.body[-1], _EARLY_EXIT)
        only_if_not_done = not node.orelse and _negated(node.test) and not isinstance(node.body[-1], ast.Raise)
        if not (skips or only_if_not_done):
            return
        value = self.module.resolver.evaluator.value(node.test, self.module.scope(ctx))
        if not isinstance(value, StateData):
            return
        what = "skips the work" if skips else "does the work only if not done"
        self.add(FindingKind.IDEMPOTENCY_GUARD, ctx.span, ctx, f"reads recorded state, {what}: "
                 f"if {ast.unparse(node.test)[:60]}", how="data_flow")

    def _condition_failure_code(self, node: ast.Compare) -> str | None:
        for operand in [node.left] + node.comparators:
            for value in _constants(operand):
                if value in vocab.CONDITION_FAILURE_NAMES:
                    return value
            name = dotted_name(operand)
            if name in self._code_constants:
                return name
        return None


def _negated(test: ast.AST) -> bool:
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return True
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op = test.ops[0]
        if isinstance(op, _NEGATIONS):
            return True
        return isinstance(op, ast.Is) and isinstance(test.comparators[0], ast.Constant) \
            and test.comparators[0].value is None
    return False


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
