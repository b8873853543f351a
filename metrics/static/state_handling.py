"""State handling: state I/O call sites, conditional writes, serialization sites, durable operation sites.

A state I/O call is a call of a DynamoDB or S3 client (or resource) operation by name
(vocabulary.STATE_IO_OPERATIONS); client constructors and set-up calls are not state I/O. A conditional
write is such a write called with a condition keyword (ConditionExpression, Expected, IfNoneMatch, IfMatch),
directly or through `**kwargs` built in the same function, or any TransactWriteItems call: each call
counted once. Statements holding any of these, or building a DynamoDB request dictionary, are marked as
state-management lines.
"""
from __future__ import annotations

import ast

from . import vocabulary as vocab
from .error_handling import STATEMENT_PRIORITY
from .model import FindingKind, LineClass, Mark
from .module_info import Detector, ModuleInfo
from .state_wrappers import supplies_condition
from .syntax import Context, dotted_name


class StateHandlingDetector(Detector):
    node_types = (ast.Call, ast.Dict)

    def __init__(self, module: ModuleInfo) -> None:
        super().__init__(module)
        self._wrappers = module.index.wrapper_index()

    def visit(self, node: ast.AST, ctx: Context) -> None:
        if isinstance(node, ast.Call):
            self._visit_call(node, ctx)
        elif isinstance(node, ast.Dict) and _has_request_key(node):
            self._mark(ctx)

    def _visit_call(self, call: ast.Call, ctx: Context) -> None:
        func = call.func
        operation = func.attr if isinstance(func, ast.Attribute) else None
        receiver = dotted_name(func.value) if isinstance(func, ast.Attribute) else None
        wrapper = self._wrappers.match(call, ctx, self.module.imports, self.module.path)
        if wrapper is not None:
            where = f"{wrapper.label} ({wrapper.file}:{wrapper.line})"
            self.add(FindingKind.STATE_IO_CALL, call, ctx, f"{'/'.join(wrapper.operations)} through {where}",
                     through=wrapper.key)
            if supplies_condition(wrapper, call):
                self.add(FindingKind.CONDITIONAL_WRITE, call, ctx, f"conditional write through {where}",
                         through=wrapper.key)
            self._mark(ctx)
        elif operation in vocab.STATE_IO_OPERATIONS or self._is_paginated_state_read(call, operation):
            inside = self._wrappers.enclosing(ctx, self.module.path)
            inside_key = inside.key if inside else None
            shown = f"{operation}({call.args[0].value!r})" if operation == "get_paginator" else operation
            self.add(FindingKind.STATE_IO_CALL, call, ctx, f"{receiver or '...'}.{shown}", inside=inside_key)
            self._mark(ctx)
            condition = self._condition(call, operation, ctx)
            if condition:
                self.add(FindingKind.CONDITIONAL_WRITE, call, ctx, f"{operation} {condition}", inside=inside_key)
        if self._is_serialization(call, operation):
            self.add(FindingKind.SERIALIZATION_SITE, call, ctx, ast.unparse(func))
            self._mark(ctx)
        if operation in vocab.DURABLE_OPERATIONS and isinstance(func.value, ast.Name) \
                and func.value.id in ctx.durable_names:
            self.add(FindingKind.DURABLE_OPERATION_SITE, call, ctx, f"{func.value.id}.{operation}")
        if any(k.arg in vocab.DYNAMODB_REQUEST_KEYS for k in call.keywords):
            self._mark(ctx)

    def _condition(self, call: ast.Call, operation: str, ctx: Context) -> str | None:
        if operation in vocab.TRANSACTIONAL_WRITE_OPERATIONS:
            return "(transaction)"
        if operation not in vocab.CONDITIONAL_WRITE_OPERATIONS:
            return None
        for keyword in call.keywords:
            if keyword.arg in vocab.CONDITION_KEYWORDS:
                return f"with {keyword.arg}"
            if keyword.arg is None and isinstance(keyword.value, ast.Name):
                found = _condition_key_assigned(ctx.function_node or self.module.tree, keyword.value.id)
                if found:
                    return f"with {found} (via **{keyword.value.id})"
        return None

    @staticmethod
    def _is_paginated_state_read(call: ast.Call, operation: str | None) -> bool:
        """`client.get_paginator("list_objects_v2")`: the paginator's pages are state reads."""
        return operation == "get_paginator" and bool(call.args) and isinstance(call.args[0], ast.Constant) \
            and call.args[0].value in vocab.STATE_IO_OPERATIONS

    def _is_serialization(self, call: ast.Call, operation: str | None) -> bool:
        if operation in vocab.SERIALIZER_METHODS:
            return True
        resolved = self.module.imports.resolve(call.func) or ""
        module, _, function = resolved.rpartition(".")
        return module in vocab.SERIALIZATION_MODULES and function in vocab.SERIALIZATION_FUNCTIONS

    def _mark(self, ctx: Context) -> None:
        self.marks.append(Mark(ctx.span[0], ctx.span[1], LineClass.STATE, STATEMENT_PRIORITY))


def _has_request_key(node: ast.Dict) -> bool:
    return any(isinstance(k, ast.Constant) and k.value in vocab.DYNAMODB_REQUEST_KEYS for k in node.keys)


def _condition_key_assigned(scope: ast.AST, name: str) -> str | None:
    """The condition keyword that `name` is given in `scope`: `name = {"ConditionExpression": ...}`,
    `name["IfNoneMatch"] = ...`, `name = dict(ConditionExpression=...)` or `name.update(...)`."""
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            found = _condition_in_value(node.value)
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
            target = node.targets[0]
            found = _constant_condition(target.slice) if dotted_name(target.value) == name else None
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update" \
                and dotted_name(node.func.value) == name:
            found = _condition_in_value(node)
        else:
            found = None
        if found:
            return found
    return None


def _condition_in_value(value: ast.AST) -> str | None:
    if isinstance(value, ast.Dict):
        return next((k.value for k in value.keys if _constant_condition(k)), None)
    if isinstance(value, ast.Call):
        found = next((k.arg for k in value.keywords if k.arg in vocab.CONDITION_KEYWORDS), None)
        return found or next(filter(None, (_condition_in_value(a) for a in value.args if isinstance(a, ast.Dict))),
                             None)
    return None


def _constant_condition(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and node.value in vocab.CONDITION_KEYWORDS:
        return node.value
    return None
