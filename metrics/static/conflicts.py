"""Exceptions that mean "a conditional write lost": the AWS ones (ConditionalCheckFailedException, ...)
and an implementation's own exception classes raised from a handler of one, with their subclasses.

`except ClaimRejectedError:` is an idempotency guard when ClaimRejectedError is what the implementation
raises on a lost conditional write; the class hierarchy is read with a regular expression over all files,
so only files that name a condition failure are parsed for this.
"""
from __future__ import annotations

import ast
import re

from . import vocabulary as vocab
from .syntax import FUNCTION_NODES, dotted_name, last_name, statements

_CLASS = re.compile(r"^[ \t]*class\s+(\w+)\s*\(([^)]*)\)", re.MULTILINE)
_MENTIONS_FAILURE = re.compile("|".join(sorted(vocab.CONDITION_FAILURE_NAMES)))


def class_bases(source: str) -> dict[str, list[str]]:
    return {name: [b.strip().split(".")[-1] for b in bases.split(",") if b.strip()]
            for name, bases in _CLASS.findall(source)}


def mentions_condition_failure(source: str) -> bool:
    return _MENTIONS_FAILURE.search(source) is not None


def raised_on_condition_failure(tree: ast.Module) -> set[str]:
    """Names of the exceptions raised inside handlers of a lost conditional write."""
    raised = set()
    for function in (n for n in statements(tree) if isinstance(n, FUNCTION_NODES)):
        defaults = _parameter_defaults(function)
        for node in ast.walk(function):
            if isinstance(node, ast.ExceptHandler) and _handles_condition_failure(node):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Raise) and inner.exc is not None:
                        name = last_name(inner.exc)
                        raised.add(defaults.get(name, name))
    raised.discard(None)
    return raised


def _handles_condition_failure(handler: ast.ExceptHandler) -> bool:
    if handler.type is not None:
        caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if any(last_name(c) in vocab.CONDITION_FAILURE_NAMES for c in caught):
            return True
    return any(isinstance(n, ast.Constant) and n.value in vocab.CONDITION_FAILURE_NAMES for n in ast.walk(handler))


def _parameter_defaults(function: ast.AST) -> dict[str, str]:
    """Parameters whose default is an exception class (`conflict: type[E] = E`) stand for that class."""
    args = function.args
    pairs = list(zip(reversed(args.posonlyargs + args.args), reversed(args.defaults)))
    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
    return {arg.arg: dotted_name(default).split(".")[-1] for arg, default in pairs if dotted_name(default)}


def with_subclasses(roots: set[str], bases: dict[str, list[str]]) -> frozenset[str]:
    found = set(roots)
    changed = True
    while changed:
        changed = False
        for name, parents in bases.items():
            if name not in found and any(p in found for p in parents):
                found.add(name)
                changed = True
    return frozenset(found)
