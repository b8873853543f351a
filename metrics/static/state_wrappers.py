"""State wrappers: functions that pass their own parameters on to a DynamoDB or S3 operation, such as
`Table.update(key, update, condition, values)` around `update_item(..., ConditionExpression=condition)`.

Code that funnels every write through one wrapper has one `update_item` call however many conditional
writes it makes, so the state figures count the wrapper's call sites instead: a call of a wrapper is a state
I/O call site, and a conditional write when it supplies the wrapper's condition parameter (or when the
wrapper's own call always carries a condition). The call inside the wrapper then counts only if nothing in
the implementation calls the wrapper.

A call matches a wrapper by name and arity, and by its receiver: `self.method(...)` inside the wrapper's
class, or `x.table.update(...)` where the receiver's last name is the class name (`table` for `Table`), or
`storage.download(...)` / `download(...)` resolved to the wrapper's module. Only one level of wrapping is
followed: a function that builds the arguments (`self.table.get(job_key(job_id))`) is a call site.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from . import vocabulary as vocab
from .syntax import FUNCTION_NODES, Context, ImportMap, statements

_MAY_CALL_STATE = re.compile(r"\.(%s)\(" % "|".join(sorted(vocab.STATE_IO_OPERATIONS)))


@dataclass(frozen=True)
class StateWrapper:
    name: str
    class_name: str | None
    module: str  # file stem
    file: str
    line: int
    params: tuple[str, ...]  # positional parameters, without self/cls
    required: int
    keyword_only: tuple[str, ...]
    condition_param: str | None  # the parameter passed on as the write's condition
    always_conditional: bool
    operations: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.file}:{self.class_name + '.' if self.class_name else ''}{self.name}"

    @property
    def label(self) -> str:
        return f"{self.class_name + '.' if self.class_name else ''}{self.name}"


def may_define_wrappers(source: str) -> bool:
    return _MAY_CALL_STATE.search(source) is not None


def find_wrappers(path: str, tree: ast.Module) -> list[StateWrapper]:
    wrappers = []
    classes = {id(f): c.name for c in statements(tree) if isinstance(c, ast.ClassDef)
               for f in c.body if isinstance(f, FUNCTION_NODES)}
    for node in statements(tree):
        if isinstance(node, FUNCTION_NODES):
            wrapper = _as_wrapper(path, node, classes.get(id(node)))
            if wrapper:
                wrappers.append(wrapper)
    return wrappers


def _as_wrapper(path: str, node: ast.AST, class_name: str | None) -> StateWrapper | None:
    args = node.args
    positional = [a.arg for a in args.posonlyargs + args.args]
    if class_name and positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    params = set(positional) | {a.arg for a in args.kwonlyargs}
    operations, condition_param, always = [], None, False
    for call in _own_calls(node):
        operation = call.func.attr if isinstance(call.func, ast.Attribute) else None
        if operation not in vocab.STATE_IO_OPERATIONS:
            continue
        values = list(call.args) + [k.value for k in call.keywords]
        if not any(isinstance(v, ast.Name) and v.id in params for v in values):
            continue
        operations.append(operation)
        for keyword in call.keywords:
            if keyword.arg in vocab.CONDITION_KEYWORDS and operation in vocab.CONDITIONAL_WRITE_OPERATIONS:
                if isinstance(keyword.value, ast.Name) and keyword.value.id in params:
                    condition_param = keyword.value.id
                else:
                    always = True
        always = always or operation in vocab.TRANSACTIONAL_WRITE_OPERATIONS
    if not operations:
        return None
    required = len(positional) - len(args.defaults)
    return StateWrapper(node.name, class_name, PurePosixPath(path).stem, path, node.lineno, tuple(positional),
                        required, tuple(a.arg for a in args.kwonlyargs), condition_param, always,
                        tuple(operations))


def _own_calls(function: ast.AST):
    stack = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, FUNCTION_NODES + (ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call):
            yield node
        stack.extend(ast.iter_child_nodes(node))


class WrapperIndex:
    """The wrappers of an implementation, looked up by call."""

    def __init__(self, wrappers: list[StateWrapper]) -> None:
        self.by_name: dict[str, list[StateWrapper]] = {}
        for wrapper in wrappers:
            self.by_name.setdefault(wrapper.name, []).append(wrapper)

    def match(self, call: ast.Call, ctx: Context, imports: ImportMap, path: str) -> StateWrapper | None:
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        for wrapper in self.by_name.get(name, ()):
            if _receiver_matches(wrapper, func, ctx, imports, path) and _arity_matches(wrapper, call):
                return wrapper
        return None

    def enclosing(self, ctx: Context, path: str) -> StateWrapper | None:
        """The wrapper whose body holds the current node, if any."""
        if ctx.function is None:
            return None
        for wrapper in self.by_name.get(ctx.function.split(".")[-1], ()):
            if wrapper.file == path and ctx.function == wrapper.label:
                return wrapper
        return None


def _normal(name: str) -> str:
    return name.replace("_", "").lower()


def _receiver_matches(wrapper: StateWrapper, func: ast.AST, ctx: Context, imports: ImportMap, path: str) -> bool:
    if wrapper.class_name:
        if not isinstance(func, ast.Attribute):
            return False
        receiver = func.value
        if isinstance(receiver, ast.Name) and receiver.id in ("self", "cls"):
            return wrapper.file == path and (ctx.function or "").startswith(wrapper.class_name + ".")
        last = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", None)
        return last is not None and _normal(last) == _normal(wrapper.class_name)
    if isinstance(func, ast.Name) and wrapper.file == path and ctx.function != wrapper.label:
        return True
    resolved = imports.resolve(func) or ""
    parts = resolved.split(".")
    return len(parts) >= 2 and parts[-2] == wrapper.module


def _arity_matches(wrapper: StateWrapper, call: ast.Call) -> bool:
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return True
    named = {k.arg for k in call.keywords}
    given = len(call.args) + sum(1 for p in wrapper.params[len(call.args):] if p in named)
    known = set(wrapper.params) | set(wrapper.keyword_only)
    return given >= wrapper.required and len(call.args) <= len(wrapper.params) and named <= known


def supplies_condition(wrapper: StateWrapper, call: ast.Call) -> bool:
    if wrapper.always_conditional:
        return True
    if wrapper.condition_param is None:
        return False
    index = wrapper.params.index(wrapper.condition_param) if wrapper.condition_param in wrapper.params else None
    if index is not None and index < len(call.args):
        value = call.args[index]
    else:
        value = next((k.value for k in call.keywords if k.arg == wrapper.condition_param), None)
    return value is not None and not (isinstance(value, ast.Constant) and value.value is None)
