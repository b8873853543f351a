"""State handling: state I/O call sites, conditional writes, serialization sites, durable operation sites.

Every call is resolved by data flow (calls.py, dataflow.py): a state I/O call is a DynamoDB or S3
operation (client or resource API) or a call of a state wrapper; a conditional write is such a write whose
request, as really sent, carries a condition (ConditionExpression, Expected, IfNoneMatch, IfMatch), from
literal keywords, `**` of a dictionary built anywhere the data flow reaches, or the call site of a wrapper
that supplies its condition; every TransactWriteItems call is one. A call inside a wrapper counts only when
nothing calls the wrapper (implementation.py). A serialization site is a call that encodes or decodes data
for state or a message (json/pickle/... dumps and loads, TypeSerializer, SerDes), not one whose result only
goes to a log line. A durable operation site is a call of an operation of a value known to be a
DurableContext. Statements holding any of these, or building a DynamoDB request dictionary, are marked
as state-management lines.
"""
from __future__ import annotations

import ast

from . import vocabulary as vocab
from .calls import StateCall
from .error_handling import STATEMENT_PRIORITY
from .values import External, Method, Obj
from .model import FindingKind, LineClass, Mark
from .module_info import Detector, ModuleInfo
from .syntax import Context

_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})


class StateHandlingDetector(Detector):
    node_types = (ast.Call, ast.Dict)

    def __init__(self, module: ModuleInfo) -> None:
        super().__init__(module)
        self._logged: set[int] = set()  # calls whose value only goes into a log line

    def visit(self, node: ast.AST, ctx: Context) -> None:
        if isinstance(node, ast.Call):
            self._visit_call(node, ctx)
        elif isinstance(node, ast.Dict) and _has_request_key(node):
            self._mark(ctx)

    def _visit_call(self, call: ast.Call, ctx: Context) -> None:
        resolver = self.module.resolver
        scope = self.module.scope(ctx)
        found = resolver.state_call(call, scope)
        if found is not None:
            self._state_call(call, ctx, found)
        if self._is_log_call(call, scope):
            for argument in call.args + [k.value for k in call.keywords]:
                self._logged.update(id(n) for n in ast.walk(argument) if isinstance(n, ast.Call))
        elif id(call) not in self._logged and self._is_serialization(call):
            self.add(FindingKind.SERIALIZATION_SITE, call, ctx, ast.unparse(call.func)[:80])
            self._mark(ctx)
        durable = resolver.durable_operation(call, scope)
        if durable is not None:
            operation, how = durable
            self.add(FindingKind.DURABLE_OPERATION_SITE, call, ctx, f"{ast.unparse(call.func)[:60]} ({operation})",
                     how=how)
        if any(k.arg in vocab.DYNAMODB_REQUEST_KEYS for k in call.keywords):
            self._mark(ctx)

    def _state_call(self, call: ast.Call, ctx: Context, found: StateCall) -> None:
        inside = self.module.resolver.wrapper_around(self.module.path, ctx.function)
        inside_key = inside.key if inside else None
        extra = dict(how=found.how, service=found.service, operation=found.operation)
        if found.wrapper is not None:
            wrapper = found.wrapper
            where = f"{wrapper.label} ({wrapper.file}:{wrapper.line})"
            detail = f"{'/'.join(wrapper.operations)} through {where}"
            self.add(FindingKind.STATE_IO_CALL, call, ctx, detail, through=wrapper.key, inside=inside_key, **extra)
        else:
            detail = f"{_receiver_text(call)}.{found.method}"
            self.add(FindingKind.STATE_IO_CALL, call, ctx, detail, inside=inside_key, **extra)
        condition = found.is_conditional_write()
        if condition:
            where = f" through {found.wrapper.label}" if found.wrapper else ""
            how = found.how if condition in {k.arg for k in call.keywords} or found.wrapper else "data_flow"
            self.add(FindingKind.CONDITIONAL_WRITE, call, ctx, f"{found.operation} with {condition}{where}",
                     through=found.wrapper.key if found.wrapper else None, inside=inside_key,
                     **dict(extra, how=how))
        self._mark(ctx)

    def _is_log_call(self, call: ast.Call, scope) -> bool:
        func = call.func
        if isinstance(func, ast.Name) and func.id == "print":
            return True
        if not isinstance(func, ast.Attribute) or func.attr not in _LOG_METHODS:
            return False
        target = self.module.resolver.evaluator.callee(call, scope)
        if isinstance(target, External):
            return target.dotted.startswith(("logging.", "structlog.", "loguru."))
        return isinstance(target, Method) and isinstance(target.receiver, Obj) and target.receiver.kind == "logger"

    def _is_serialization(self, call: ast.Call) -> bool:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in vocab.SERIALIZER_METHODS:
            return True
        resolved = self.module.imports.resolve(func) or ""
        module, _, function = resolved.rpartition(".")
        return module in vocab.SERIALIZATION_MODULES and function in vocab.SERIALIZATION_FUNCTIONS

    def _mark(self, ctx: Context) -> None:
        self.marks.append(Mark(ctx.span[0], ctx.span[1], LineClass.STATE, STATEMENT_PRIORITY))


def _receiver_text(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return ast.unparse(func.value)[:40]
    return ast.unparse(func)[:40]


def _has_request_key(node: ast.Dict) -> bool:
    return any(isinstance(k, ast.Constant) and k.value in vocab.DYNAMODB_REQUEST_KEYS for k in node.keys)
