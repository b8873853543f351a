"""What a call does to state, resolved by data flow (dataflow.py): which AWS operation it is (service,
operation, the request it really sends), whether it goes through a state wrapper of the implementation,
whether it is a durable operation.

A call is a state operation when its receiver is known to be a boto3 DynamoDB or S3 client, a DynamoDB
`Table`, or an S3 `Object`/`Bucket` (resource API: `Object.put/get/delete/load`, `Bucket.delete_objects`,
...), and the method is one of that receiver's state operations. Where the receiver cannot be known (a
parameter without annotation), a method name that only boto3 uses (`update_item`, `put_object`, ...)
still counts, and an ambiguous one (`query`, `scan`, `execute_statement`) counts only when the request it
sends is DynamoDB's (`TableName`, `KeyConditionExpression`, ...): `df.query(...)` and SQLAlchemy's
`session.query(...)` do not.

A *state wrapper* is a function or method of the implementation that hands one of its own parameters,
as is, to a state operation's request (directly, through a dictionary a helper builds, or through
another wrapper), or passes its `**kwargs` through. Its call sites are state calls, with the request the
wrapper sends rebuilt from the call's arguments, so a condition or an update expression given at the call
site is read there.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from . import vocabulary as vocab
from .dataflow import Evaluator, Scope
from .program import Program
from .values import (
    UNKNOWN, DictV, External, FuncRef, Method, Obj, Param, Text, const_str, is_none, item_value, merge_dicts,
)
from .syntax import FUNCTION_NODES

SYNTAX = "syntax"
DATA_FLOW = "data_flow"

# Operations by receiver kind (the boto3 method name), and the AWS API each one calls.
_TABLE_OPERATIONS = frozenset({"get_item", "put_item", "update_item", "delete_item", "query", "scan"})
_OBJECT_OPERATIONS = {
    "get": "GetObject", "put": "PutObject", "delete": "DeleteObject", "load": "HeadObject", "reload": "HeadObject",
    "copy_from": "CopyObject", "copy": "CopyObject", "upload_file": "PutObject", "download_file": "GetObject",
    "upload_fileobj": "PutObject", "download_fileobj": "GetObject", "initiate_multipart_upload": "CreateMultipartUpload",
}
_BUCKET_OPERATIONS = {
    "put_object": "PutObject", "delete_objects": "DeleteObjects", "upload_file": "PutObject",
    "download_file": "GetObject", "upload_fileobj": "PutObject", "download_fileobj": "GetObject", "copy": "CopyObject",
}
# Names no other common library uses for something else: they count even on a receiver of unknown type.
_AMBIGUOUS = frozenset({"query", "scan", "execute_statement", "batch_execute_statement", "execute_transaction"})
_UNAMBIGUOUS = vocab.STATE_IO_OPERATIONS - _AMBIGUOUS
# Request keys that only a DynamoDB request has.
_DYNAMODB_REQUEST_HINTS = frozenset({
    "TableName", "KeyConditionExpression", "IndexName", "ExclusiveStartKey", "FilterExpression",
    "ProjectionExpression", "Statement", "TransactStatements", "Statements",
})
_STATE_METHOD_NAMES = vocab.STATE_IO_OPERATIONS | set(_OBJECT_OPERATIONS) | set(_BUCKET_OPERATIONS) | {"paginate"}
_READS = frozenset({"get_item", "batch_get_item", "transact_get_items", "query", "scan", "get_object", "head_object",
                    "list_objects", "list_objects_v2", "get_object_attributes", "download_file", "download_fileobj",
                    "paginate", "execute_statement"})
_READ_APIS = frozenset({"GetObject", "HeadObject", "GetItem", "Query", "Scan", "ListObjectsV2"})


_MAY_CALL_STATE = re.compile(
    r"\b(%s)\b|getattr\(|\.(resource|Table|Object|Bucket)\(" % "|".join(sorted(vocab.STATE_IO_OPERATIONS)))


def api_name(operation: str) -> str:
    return "".join(part.title() for part in operation.split("_"))


@dataclass(frozen=True)
class Wrapper:
    key: str  # file:qualname, the same in every process
    label: str
    file: str
    line: int
    service: str | None
    operations: tuple[str, ...]
    request: DictV  # what its state call sends, in terms of its parameters (Param values)
    passthrough: str | None  # the **kwargs parameter handed on as the request, if any
    always_conditional: bool
    read_only: bool


@dataclass(frozen=True)
class StateCall:
    service: str | None  # "dynamodb", "s3", or None when only the name says it is state I/O
    operation: str  # API name, "UpdateItem"
    method: str  # the method called, "update_item" (or the wrapper's name)
    request: DictV
    how: str
    wrapper: Wrapper | None = None
    read: bool = False

    def is_conditional_write(self) -> str | None:
        """The condition this write carries, if it is a conditional write."""
        if self.wrapper is not None and self.wrapper.always_conditional:
            return "(always, in the wrapper)"
        if self.operation in vocab.TRANSACTIONAL_WRITE_APIS:
            return "(transaction)"
        if self.operation not in vocab.CONDITIONAL_WRITE_APIS:
            return None
        for key in vocab.CONDITION_KEYWORDS:
            value = self.request.get(key, None)
            if value is not None and not is_none(value):
                return key
        return None


class CallResolver:
    """Answers, for the calls of one implementation, what they do to state. Results are cached per call."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.evaluator = Evaluator(program)
        self.evaluator.state_read = self._reads_state
        self._wrappers: dict[tuple[str, str], Wrapper | None] = {}
        self._calls: dict[int, StateCall | None] = {}
        self._in_progress: set[tuple[str, str]] = set()
        self._class_names: dict[str, list[str]] | None = None
        self._state_calls_possible: bool | None = None
        self._defined: frozenset[str] | None = None
        self.work_packages: frozenset[str] = frozenset({"media"})  # the media core: calls of it are media work

    # -- state calls

    def state_call(self, call: ast.Call, scope: Scope) -> StateCall | None:
        cacheable = scope.bindings is None
        if cacheable and id(call) in self._calls:
            return self._calls[id(call)]
        found = self._state_call(call, scope)
        if cacheable:
            self._calls[id(call)] = found
        return found

    def _state_call(self, call: ast.Call, scope: Scope) -> StateCall | None:
        name = _method_name(call)
        if isinstance(call.func, ast.Attribute) and name not in _STATE_METHOD_NAMES \
                and name not in self._defined_names():
            return None  # neither a state operation nor a function of the implementation: nothing to resolve
        if name is None and isinstance(call.func, ast.Call) and _is_getattr(call.func):
            name = const_str(self.evaluator.value(call.func.args[1], scope)) \
                or const_str(self._default(call.func.args[1], scope))
        target = self.evaluator.callee(call, scope)
        if isinstance(target, FuncRef):
            wrapper = self.wrapper(target)
            if wrapper is None:
                return None
            return self._through(wrapper, target, call, scope, DATA_FLOW)
        if isinstance(target, Method) and isinstance(target.receiver, Obj):
            if target.receiver.kind.startswith("aws.paginator:"):
                return self._paginate(target.receiver, target.name, call, scope)
            found = self._on_receiver(target.receiver.kind, target.name, call, scope)
            if found is not None and target.receiver.ident:  # s3.Object(bucket, key).put(...)
                request = merge_dicts([DictV(target.receiver.ident), found.request])
                found = StateCall(found.service, found.operation, found.method, request, found.how, read=found.read)
            return found
        if (target is not UNKNOWN and not isinstance(target, Param)) or name is None:
            return None  # something else is known to be called (a library, a builtin, a class)
        request = self.evaluator.keywords(call, scope)
        spread = any(k.arg is None for k in call.keywords)
        if name in _UNAMBIGUOUS:
            return StateCall(_service_of(name), api_name(name), name, request, DATA_FLOW if spread else SYNTAX,
                             read=name in _READS)
        if name in _AMBIGUOUS and any(k in _DYNAMODB_REQUEST_HINTS for k in request.keys()):
            return StateCall("dynamodb", api_name(name), name, request, DATA_FLOW, read=name in _READS)
        wrapper = self._wrapper_by_receiver_name(call, name)
        if wrapper is not None:
            return self._through(wrapper[0], wrapper[1], call, scope, SYNTAX)
        return None

    def _default(self, node: ast.AST, scope: Scope) -> object:
        """The default of the parameter `node` names (`getattr(client, op)` with `op="put_item"`)."""
        function = scope.function
        if not isinstance(node, ast.Name) or function is None or isinstance(function, ast.Lambda):
            return UNKNOWN
        args = function.args
        positional = args.posonlyargs + args.args
        pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
        pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
        default = next((d for a, d in pairs if a.arg == node.id), None)
        return self.evaluator.value(default, Scope(scope.module)) if default is not None else UNKNOWN

    def _paginate(self, paginator: Obj, name: str, call: ast.Call, scope: Scope) -> StateCall | None:
        """`paginator.paginate(...)`: the operation the paginator was made for, with these arguments."""
        operation = dict(paginator.ident).get("operation")
        if name != "paginate" or not isinstance(operation, str):
            return None
        return StateCall(paginator.kind.split(":", 1)[1], api_name(operation), name,
                         self.evaluator.keywords(call, scope), DATA_FLOW, read=True)

    def _on_receiver(self, kind: str, name: str, call: ast.Call, scope: Scope) -> StateCall | None:
        request = None
        if kind.startswith("aws.client:"):
            service = kind.split(":", 1)[1]
            ops = {"dynamodb": vocab.DYNAMODB_STATE_OPERATIONS, "s3": vocab.S3_STATE_OPERATIONS}.get(
                service, vocab.STATE_IO_OPERATIONS if service == "?" else frozenset())
            if name not in ops:
                return None
            request = self.evaluator.keywords(call, scope)
            return StateCall(service if service != "?" else _service_of(name), api_name(name), name, request,
                             DATA_FLOW, read=name in _READS)
        if kind == "aws.Table" and name in _TABLE_OPERATIONS:
            return StateCall("dynamodb", api_name(name), name, self.evaluator.keywords(call, scope), DATA_FLOW,
                             read=name in _READS)
        if kind == "aws.Object" and name in _OBJECT_OPERATIONS:
            api = _OBJECT_OPERATIONS[name]
            return StateCall("s3", api, name, self.evaluator.keywords(call, scope), DATA_FLOW, read=api in _READ_APIS)
        if kind == "aws.Bucket" and name in _BUCKET_OPERATIONS:
            api = _BUCKET_OPERATIONS[name]
            return StateCall("s3", api, name, self.evaluator.keywords(call, scope), DATA_FLOW, read=api in _READ_APIS)
        return None

    def _through(self, wrapper: Wrapper, target: FuncRef, call: ast.Call, scope: Scope, how: str) -> StateCall:
        module = self.program.module(target.path)
        function = module.lookup(target.qualname) if module else None
        request = wrapper.request
        if function is not None:
            bindings = dict(self.evaluator.bind(function, target, call, scope))
            items = []
            for key, value in request.items:
                value = item_value(value)
                if isinstance(value, Param):
                    value = bindings.get(value.name, UNKNOWN)
                elif isinstance(value, Text):
                    value = Text(tuple(_substitute(p, bindings) for p in value.parts))
                items.append((key, value))
            request = DictV(tuple(items), request.open)
            if wrapper.passthrough:
                request = merge_dicts([request, bindings.get(wrapper.passthrough, DictV((), True))])
        return StateCall(wrapper.service, "/".join(api_name(o) for o in wrapper.operations), wrapper.label, request,
                         how, wrapper=wrapper, read=wrapper.read_only)

    def _reads_state(self, call: ast.Call, scope: Scope, target: object) -> bool:
        if isinstance(target, FuncRef):
            wrapper = self.wrapper(target)
            return wrapper is not None and wrapper.read_only
        if isinstance(target, Method):
            if not (isinstance(target.receiver, Obj) and target.receiver.kind.startswith("aws.")):
                return False
        elif target is not UNKNOWN:
            return False
        elif _method_name(call) not in _READS:  # a read wrapper matched by its receiver's name, at most
            name = _method_name(call)
            matched = self._wrapper_by_receiver_name(call, name) if name else None
            return matched is not None and matched[0].read_only
        found = self.state_call(call, scope)
        return found is not None and found.read

    # -- wrappers

    def wrapper(self, target: FuncRef) -> Wrapper | None:
        key = (target.path, target.qualname)
        if key in self._wrappers:
            return self._wrappers[key]
        if not self._may_have_state_calls():
            return None
        if key in self._in_progress or len(self._in_progress) > 6:
            return None
        self._in_progress.add(key)
        try:
            found = self._find_wrapper(target)
        finally:
            self._in_progress.discard(key)
        self._wrappers[key] = found
        return found

    def _find_wrapper(self, target: FuncRef) -> Wrapper | None:
        module = self.program.module(target.path)
        function = module.lookup(target.qualname) if module else None
        if function is None or any(_transforms(d) for d in function.decorator_list):
            return None  # calling a decorated function (a durable step, a task) need not run its body
        args = function.args
        params = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs} - {"self", "cls"}
        kwarg = args.kwarg.arg if args.kwarg else None
        scope = Scope(module, function)
        operations, requests, always, reads, passthrough, service = [], [], False, True, None, None
        for call in own_calls(function):
            if not _may_be_state_call(call):
                continue
            found = self.state_call(call, scope)
            if found is None:
                continue
            takes = [k for k, v in found.request.items if _from_params(item_value(v), params)]
            spread = kwarg is not None and any(
                k.arg is None and isinstance(k.value, ast.Name) and k.value.id == kwarg for k in call.keywords)
            if not takes and not spread:
                continue
            operations.extend(found.wrapper.operations if found.wrapper else [found.method])
            service = service or found.service
            requests.append(found.request)
            reads = reads and found.read
            passthrough = passthrough or (kwarg if spread else None)
            condition = found.is_conditional_write()
            if condition and (condition.startswith("(") or not _from_params(found.request.get(condition), params)):
                always = True
        if not operations or self._does_work(function, scope):
            return None  # a function that also does the media work is a stage, not a wrapper of state I/O
        request = merge_dicts(requests)
        return Wrapper(f"{target.path}:{target.qualname}", target.qualname, target.path, function.lineno, service,
                       tuple(operations), request, passthrough, always, reads)

    def _does_work(self, function: ast.AST, scope: Scope) -> bool:
        for call in own_calls(function):
            target = self.evaluator.callee(call, scope)
            if isinstance(target, External) and target.dotted.split(".")[0] in self.work_packages \
                    and target.dotted.split(".")[-1][:1].islower():
                return True
        return False

    def wrapper_around(self, module_path: str, qualname: str | None) -> Wrapper | None:
        """The wrapper whose own body holds a node of function `qualname`, if that function is one."""
        if not qualname:
            return None
        return self.wrapper(FuncRef(module_path, qualname))

    def _wrapper_by_receiver_name(self, call: ast.Call, name: str) -> tuple[Wrapper, FuncRef] | None:
        """Where the receiver's type cannot be known: `x.store.write(...)` matches method `write` of class
        `Store` when the receiver's last name is the class name (a syntax match, reported as such)."""
        func = call.func
        if not isinstance(func, ast.Attribute):
            return None
        receiver = func.value
        last = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", None)
        if not last or last in ("self", "cls"):
            return None
        for path in self._classes().get(_normal(last), ()):
            module = self.program.module(path)
            for cls in (module.classes.values() if module else ()):
                if _normal(cls.name) == _normal(last) and name in cls.methods:
                    target = FuncRef(path, f"{cls.name}.{name}")
                    wrapper = self.wrapper(target)
                    if wrapper is not None:
                        return wrapper, target
        return None

    def _may_have_state_calls(self) -> bool:
        """Whether any file could call a state operation at all (a cheap text search, once): code that
        cannot has no wrappers, and nothing is followed into its helpers to look for one."""
        if self._state_calls_possible is None:
            self._state_calls_possible = any(_MAY_CALL_STATE.search(s) for s in self.program.sources.values())
        return self._state_calls_possible

    def _defined_names(self) -> frozenset[str]:
        """Names of every function and method defined in the implementation (a text search, once)."""
        if self._defined is None:
            self._defined = frozenset(name for source in self.program.sources.values()
                                      for name in re.findall(r"def\s+(\w+)", source))
        return self._defined

    def _classes(self) -> dict[str, list[str]]:
        if self._class_names is None:
            self._class_names = {}
            for path, source in self.program.sources.items():
                for name in re.findall(r"^[ \t]*class\s+(\w+)", source, re.MULTILINE):
                    self._class_names.setdefault(_normal(name), []).append(path)
        return self._class_names

    # -- durable operations

    def durable_operation(self, call: ast.Call, scope: Scope) -> tuple[str, str] | None:
        """(operation, how) when `call` is an operation of a DurableContext."""
        if _method_name(call) not in vocab.DURABLE_OPERATIONS and not isinstance(call.func, ast.Name):
            return None
        target = self.evaluator.callee(call, scope)
        if isinstance(target, Method) and isinstance(target.receiver, Obj) \
                and target.receiver.kind == "durable.context" and target.name in vocab.DURABLE_OPERATIONS:
            direct = isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name) \
                and _annotated_durable(scope.function, call.func.value.id)
            return target.name, SYNTAX if direct else DATA_FLOW
        return None


_TRANSPARENT_DECORATORS = frozenset({"staticmethod", "classmethod", "wraps", "cache", "lru_cache", "override"})


def _transforms(decorator: ast.AST) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    last = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return last not in _TRANSPARENT_DECORATORS


def own_calls(function: ast.AST):
    """Calls in a function's body, not in nested functions, lambdas or classes."""
    stack = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, FUNCTION_NODES + (ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _may_be_state_call(call: ast.Call) -> bool:
    return isinstance(call.func, (ast.Attribute, ast.Name, ast.Call))


def _from_params(value: object, params: set[str]) -> bool:
    if isinstance(value, Param):
        return value.name in params
    if isinstance(value, Text):
        return len(value.parts) == 1 and isinstance(value.parts[0], Param) and value.parts[0].name in params
    return False


def _substitute(part: object, bindings: dict) -> object:
    if isinstance(part, Param):
        value = bindings.get(part.name, UNKNOWN)
        if isinstance(value, Text):
            return value.render()
        return None
    return part


def _is_getattr(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Name) and call.func.id == "getattr" and len(call.args) >= 2


def _method_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Call) and isinstance(func.func, ast.Name) and func.func.id == "getattr" \
            and len(func.args) >= 2 and isinstance(func.args[1], ast.Constant):
        return func.args[1].value
    return None


def _service_of(name: str) -> str | None:
    if name in vocab.DYNAMODB_STATE_OPERATIONS:
        return "dynamodb"
    if name in vocab.S3_STATE_OPERATIONS:
        return "s3"
    return None


def _annotated_durable(function: ast.AST | None, name: str) -> bool:
    if function is None or isinstance(function, ast.Lambda):
        return False
    for arg in function.args.posonlyargs + function.args.args + function.args.kwonlyargs:
        if arg.arg == name and arg.annotation is not None:
            return "DurableContext" in ast.unparse(arg.annotation)
    return False


def _normal(name: str) -> str:
    return name.replace("_", "").lower()


# ---- DynamoDB expressions: a counter bounded in the same write's condition ----------------------------

_ADD_CLAUSE = re.compile(r"\bADD\s+(.*?)(?=\b(?:SET|REMOVE|DELETE)\b|$)", re.IGNORECASE | re.DOTALL)
_SET_INCREMENT = re.compile(r"(#?\w+)\s*=\s*(?:if_not_exists\s*\(\s*)?\1\b[^,]*?\+", re.IGNORECASE)
_ORDERING = re.compile(r"(#?\w+)\s*(<=|>=|<|>)\s*(:?\w+)|(:\w+)\s*(<=|>=|<|>)\s*(#?\w+)")


def bounded_counters(request: DictV) -> list[str]:
    """Attributes a write adds to (`ADD #n :one`, `SET #n = #n + :one`) and compares with a bound in its own
    condition (`#n < :max`): a retry budget kept in the item, whatever the attribute is called."""
    update = request.get("UpdateExpression", None)
    condition = request.get("ConditionExpression", None)
    if not isinstance(update, Text) or not isinstance(condition, Text):
        return []
    update_text, condition_text = update.render(" "), condition.render(" ")
    added = set()
    for clause in _ADD_CLAUSE.findall(update_text):
        added.update(item.split()[0] for item in clause.split(",") if item.split())
    added.update(_SET_INCREMENT.findall(update_text))
    compared = set()
    for match in _ORDERING.finditer(condition_text):
        compared.add(match.group(1) or match.group(6))
    return sorted(a for a in added & compared if not a.startswith(":"))
