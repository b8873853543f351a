"""What an expression holds, resolved across assignments, helpers and the modules of one implementation.

A small abstract interpreter on `ast`, flow-insensitive and bounded, for the facts the state and
error-handling figures rest on rather than on names:

- the value of a name: its assignments in the function (every one, so `c = context` and `step =
  context.step` resolve), in enclosing functions, module constants and globals, imported names (across the
  implementation's own modules, or an external dotted name such as `boto3.client`);
- dictionaries: literals, `dict(...)`, `**` merges, `|`, `d[k] = v`, `d.update(...)`, `d.setdefault(k, v)`;
- strings: constants, f-strings and `+` (unknown parts kept as holes), so a DynamoDB expression built from
  module constants can be read;
- calls of the implementation's functions and methods: the value of their `return` expressions with the
  parameters bound to the call's arguments, several levels deep (`MAX_DEPTH`);
- the type of a receiver where it can be known: a boto3 client, resource, `Table`, `Object` or `Bucket`
  created from `boto3.client("dynamodb")` / `session.resource("s3")`, an instance of an implementation
  class (from a constructor call, a parameter or field annotation, `self.x = ...` in a method), a durable
  SDK `DurableContext` (annotation, decorator position, a function passed to `context.map(...)`);
- data read from recorded state (the result of a state read, the item carried by a lost conditional
  write's exception), followed through subscripts, attributes, calls and comparisons (`StateData`).

The values are in values.py, what is read from each module (functions, classes, assignments, callers) in
program.py. libcst's ScopeProvider/QualifiedNameProvider would answer the name questions, but with that
metadata it needs several times the CPU of `radon raw` + `radon cc` + `lizard` on botocore (README,
"Choices"), so this works on the one `ast` tree every detector already shares, only for the calls a
detector asks about, and within a step budget per question.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from . import vocabulary as vocab
from .program import ModuleFacts, Program
from .syntax import dotted_name
from .values import (
    UNKNOWN, ClassRef, Const, DictV, ExcValue, External, FuncRef, Instance, Lazy, Method, ModuleRef, Obj, Param,
    StateData, Text, const_str, is_none, merge_dicts,
)

MAX_DEPTH = 5  # helper calls followed inside each other, and call sites followed back for a parameter
# Expressions evaluated for one question at most: a value that needs more is unknown. Keeps the analysis
# linear on large code bases (botocore) where every helper calls many others.
STEP_BUDGET = 4000


@dataclass(frozen=True)
class Scope:
    module: ModuleFacts
    function: ast.AST | None = None
    bindings: tuple[tuple[str, object], ...] | None = None  # parameters bound to call arguments
    depth: int = 0

    def bound(self, name: str) -> object | None:
        if self.bindings is None:
            return None
        return next((v for k, v in self.bindings if k == name), None)


# The identifiers a boto3 resource is created with, as the request keys they become.
_RESOURCE_IDENTIFIERS = {"Table": ("TableName",), "Object": ("Bucket", "Key"), "ObjectSummary": ("Bucket", "Key"),
                         "Bucket": ("Bucket",)}
_BOTO_SESSIONS = frozenset({"boto3.Session", "boto3.session.Session", "aioboto3.Session"})
_LOGGER_FACTORIES = frozenset({"logging.getLogger", "structlog.get_logger", "structlog.getLogger"})


class Evaluator:
    """Evaluates expressions of one implementation; `state_read` (installed by calls.CallResolver) tells which
    calls read recorded state, so that their results become StateData."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.state_read = None  # callable(call, scope, callee) -> bool
        self._active: set = set()
        self._nesting = 0
        self._steps = 0
        self._exhausted = False

    # -- entry points

    def value(self, node: ast.AST | None, scope: Scope) -> object:
        """What `node` holds in `scope` (UNKNOWN when it cannot be known within the bounds)."""
        if node is None:
            return UNKNOWN
        key = None
        if scope.bindings is None:
            key = (id(node), id(scope.function))
            cached = self.program.cache.get(key)
            if cached is not None:
                return cached
        if scope.depth > MAX_DEPTH * 3 or (key is not None and key in self._active):
            return UNKNOWN
        outermost = self._nesting == 0
        if outermost:
            self._steps, self._exhausted = 0, False
        self._steps += 1
        if self._steps > STEP_BUDGET:
            self._exhausted = True  # a question this costly gets no answer (and none is cached)
            return UNKNOWN
        if key is not None:
            self._active.add(key)
        self._nesting += 1
        try:
            result = self._value(node, scope)
        except RecursionError:
            result = UNKNOWN
        finally:
            self._nesting -= 1
            if key is not None:
                self._active.discard(key)
        if key is not None and not self._exhausted:
            self.program.cache[key] = result
        return result

    # -- expressions

    def _value(self, node: ast.AST, scope: Scope) -> object:
        if isinstance(node, ast.Constant):
            return Text((node.value,)) if isinstance(node.value, str) else Const(node.value)
        if isinstance(node, ast.JoinedStr):
            parts: list = []
            for piece in node.values:
                if isinstance(piece, ast.Constant):
                    parts.append(str(piece.value))
                else:
                    parts.extend(self._text_parts(self.value(piece.value, scope)))
            return Text(tuple(parts))
        if isinstance(node, ast.BinOp):
            return self._binop(node, scope)
        if isinstance(node, ast.Dict):
            return self._dict(node, scope)
        if isinstance(node, ast.Name):
            return self._name(node.id, scope)
        if isinstance(node, ast.Attribute):
            return self.attribute(self.value(node.value, scope), node.attr, scope)
        if isinstance(node, ast.Subscript):
            base = self.value(node.value, scope)
            if isinstance(base, StateData):
                return base
            if isinstance(base, DictV):
                key = const_str(self.value(node.slice, scope))
                if key is not None:
                    return base.get(key, UNKNOWN)
            return UNKNOWN
        if isinstance(node, ast.Call):
            return self.call_value(node, scope)
        if isinstance(node, (ast.Await, ast.NamedExpr)):
            return self.value(node.value, scope)
        if isinstance(node, ast.IfExp):
            return self._first_known([self.value(node.body, scope), self.value(node.orelse, scope)])
        if isinstance(node, ast.BoolOp):
            values = [self.value(v, scope) for v in node.values]
            if any(isinstance(v, StateData) for v in values):
                return next(v for v in values if isinstance(v, StateData))
            return self._first_known(values)
        return self._derived(node, scope)

    def _derived(self, node: ast.AST, scope: Scope) -> object:
        """Comparisons, comprehensions, negations...: StateData when they read recorded state."""
        for child in ast.walk(node):
            if child is not node and isinstance(child, (ast.Name, ast.Call, ast.Attribute)):
                if isinstance(self.value(child, scope), StateData):
                    return StateData("derived")
        return UNKNOWN

    @staticmethod
    def _first_known(values: list[object]) -> object:
        return next((v for v in values if v is not UNKNOWN and not is_none(v)), values[0] if values else UNKNOWN)

    @staticmethod
    def _text_parts(value: object) -> list:
        if isinstance(value, Text):
            return list(value.parts)
        if isinstance(value, Const) and value.value is not None:
            return [str(value.value)]
        if isinstance(value, Param):
            return [value]
        return [None]

    def _binop(self, node: ast.BinOp, scope: Scope) -> object:
        left, right = self.value(node.left, scope), self.value(node.right, scope)
        if isinstance(node.op, ast.Add) and (isinstance(left, Text) or isinstance(right, Text)):
            return Text(tuple(self._text_parts(left) + self._text_parts(right)))
        if isinstance(node.op, ast.BitOr) and (isinstance(left, DictV) or isinstance(right, DictV)):
            return merge_dicts([left, right])
        if isinstance(left, StateData) or isinstance(right, StateData):
            return StateData("derived")
        return UNKNOWN

    def _dict(self, node: ast.Dict, scope: Scope) -> DictV:
        parts: list[object] = []
        for key, value in zip(node.keys, node.values):
            if key is None:
                parts.append(self.value(value, scope))
                continue
            name = const_str(self.value(key, scope))
            parts.append(DictV(((name, Lazy(value, scope, self)),)) if name is not None else DictV((), True))
        return merge_dicts(parts)

    def _name(self, name: str, scope: Scope) -> object:
        bound = scope.bound(name)
        if bound is not None:
            return bound
        function = scope.function
        while function is not None:
            found = self._local(name, function, scope)
            if found is not None:
                return found
            function = scope.module.parent_function.get(id(function))
            if function is not None:
                scope = Scope(scope.module, function, None, scope.depth)
        return self._global(name, scope.module, scope.depth)

    def _local(self, name: str, function: ast.AST, scope: Scope) -> object | None:
        """The value of `name` if `function` binds it (parameter, assignment, handler, loop target)."""
        params = _parameters(function)
        facts = scope.module.function_facts(function)
        if name in facts.globals:
            return None
        if name in params:
            return self.parameter(function, name, scope)
        if name in facts.handlers:
            return self._exception(facts.handlers[name], scope)
        assigned = facts.assigns.get(name)
        mutated = facts.mutations.get(name)
        if assigned is None and mutated is None:
            return UNKNOWN if name in facts.loop_targets else None
        values = [self.value(v, scope) for v in assigned or ()]
        if mutated or any(isinstance(v, DictV) for v in values):
            return self._with_mutations([v for v in values if isinstance(v, DictV)] or [DictV()], mutated or [], scope)
        return self._first_known(values) if values else UNKNOWN

    def _with_mutations(self, values: list[object], mutations: list[tuple[str, ast.AST]], scope: Scope) -> DictV:
        parts = list(values)
        for key, value in mutations:
            if key != "**":
                parts.append(DictV(((key, Lazy(value, scope, self)),)))
            elif isinstance(value, ast.Call):  # d.update(other, k=v)
                parts.extend(self.value(a, scope) for a in value.args)
                parts.append(self._keywords(value.keywords, scope))
            else:  # d |= other
                parts.append(self.value(value, scope))
        return merge_dicts(parts)

    def _global(self, name: str, module: ModuleFacts, depth: int) -> object:
        if name in module.functions:
            return FuncRef(module.path, name)
        if name in module.classes:
            return ClassRef(module.path, name)
        scope = Scope(module, None, None, depth)
        if name in module.annotations:
            typed = self.annotation(module.annotations[name], scope)
            if typed is not UNKNOWN:
                return typed
        if name in module.constants:
            values = [self.value(v, scope) for v in module.constants[name]]
            if any(isinstance(v, DictV) for v in values):
                return merge_dicts([v for v in values if isinstance(v, DictV)])
            return self._first_known(values)
        imported = module.imports.aliases.get(name)
        if imported is not None:
            return self.imported(imported, module, depth)
        if name in ("dict", "getattr", "print", "len", "str", "int", "sorted", "list", "set", "range"):
            return External(f"builtins.{name}")
        return UNKNOWN

    def imported(self, dotted: str, module: ModuleFacts, depth: int = 0) -> object:
        """An imported dotted name: a module, function, class or constant of the implementation, or External."""
        path = self.program.find(dotted, module.path)
        if path is not None:
            return ModuleRef(path)
        owner, _, member = dotted.rpartition(".")
        owner_path = self.program.find(owner or ".", module.path) if (owner or dotted.startswith(".")) else None
        if owner_path is not None and owner_path != module.path and depth <= MAX_DEPTH:
            target = self.program.module(owner_path)
            if target is not None:
                return self._global(member, target, depth + 1)
        return External(dotted.lstrip("."))

    def attribute(self, base: object, name: str, scope: Scope) -> object:
        if isinstance(base, StateData):
            return base
        if isinstance(base, ExcValue):
            return StateData("lost write") if base.conflict and name in ("current", "response", "item", "args") \
                else UNKNOWN
        if isinstance(base, ModuleRef):
            module = self.program.module(base.path)
            return self._global(name, module, scope.depth + 1) if module else UNKNOWN
        if isinstance(base, External):
            return External(f"{base.dotted}.{name}")
        if isinstance(base, Instance):
            return self._instance_attribute(base, name, scope)
        if isinstance(base, ClassRef):
            module = self.program.module(base.path)
            cls = module.classes.get(base.name) if module else None
            if cls and name in cls.methods:
                return FuncRef(base.path, f"{base.name}.{name}", None)
            return UNKNOWN
        if isinstance(base, Obj):
            return Method(base, name)
        return UNKNOWN

    def _instance_attribute(self, base: Instance, name: str, scope: Scope) -> object:
        module = self.program.module(base.path)
        for cls_module, cls in self._mro(module, base.name, scope.depth):
            if name in cls.methods:
                return FuncRef(cls_module.path, f"{cls.name}.{name}", base)
            if name in cls.fields:
                typed = self.annotation(cls.fields[name], Scope(cls_module, None, None, scope.depth + 1))
                if typed is not UNKNOWN:
                    return typed
            if name in cls.attributes and scope.depth <= MAX_DEPTH * 2:
                values = [self.value(v, Scope(cls_module, method, None, scope.depth + 1))
                          for v, method in cls.attributes[name]]
                known = self._first_known(values)
                if isinstance(known, Param):
                    return UNKNOWN
                return known
        return UNKNOWN

    def _mro(self, module: ModuleFacts | None, name: str, depth: int):
        seen = 0
        while module is not None and name in module.classes and seen < 5:
            cls = module.classes[name]
            yield module, cls
            seen += 1
            base = next((b for b in cls.bases), None)
            value = self.value(base, Scope(module, None, None, depth + 1)) if base is not None else None
            if isinstance(value, ClassRef):
                module, name = self.program.module(value.path), value.name
            else:
                return

    # -- calls

    def _keywords(self, keywords: list[ast.keyword], scope: Scope) -> DictV:
        parts: list[object] = []
        for keyword in keywords:
            if keyword.arg is None:
                parts.append(self.value(keyword.value, scope))
            else:
                parts.append(DictV(((keyword.arg, Lazy(keyword.value, scope, self)),)))
        return merge_dicts(parts)

    def keywords(self, call: ast.Call, scope: Scope) -> DictV:
        """The keyword arguments `call` really receives: its literal keywords and every `**` expansion."""
        return self._keywords(call.keywords, scope)

    def callee(self, call: ast.Call, scope: Scope) -> object:
        func = call.func
        if isinstance(func, ast.Call) and isinstance(func.func, ast.Name) and func.func.id == "getattr" \
                and len(func.args) >= 2:
            name = const_str(self.value(func.args[1], scope))
            if name is not None:
                return self.attribute(self.value(func.args[0], scope), name, scope)
            return UNKNOWN
        return self.value(func, scope)

    def call_value(self, call: ast.Call, scope: Scope) -> object:
        target = self.callee(call, scope)
        if isinstance(target, External):
            return self._external_call(target.dotted, call, scope)
        if isinstance(target, ClassRef):
            return Instance(target.path, target.name)
        if isinstance(target, Method):
            return self._method_call(target, call, scope)
        if isinstance(call.func, ast.Attribute) and call.func.attr == "get_paginator" and target is UNKNOWN:
            return self._paginator("", call, scope)  # a client of unknown origin: the operation name says enough
        if self.state_read is not None and self.state_read(call, scope, target):
            return StateData("read")
        if isinstance(target, FuncRef):
            return self.returned(target, call, scope)
        if isinstance(target, (StateData,)):
            return target
        if isinstance(call.func, ast.Attribute):
            receiver = self.value(call.func.value, scope)
            if isinstance(receiver, StateData):
                return StateData("derived")
        return UNKNOWN

    def _external_call(self, dotted: str, call: ast.Call, scope: Scope) -> object:
        if dotted == "builtins.dict":
            return merge_dicts([self.value(a, scope) for a in call.args] + [self.keywords(call, scope)])
        if dotted in ("boto3.client", "boto3.resource", "aioboto3.client", "aioboto3.resource"):
            service = const_str(self.value(call.args[0], scope)) if call.args else \
                const_str(self.keywords(call, scope).get("service_name", UNKNOWN))
            kind = dotted.rsplit(".", 1)[1]
            return Obj(f"aws.{kind}:{service}") if service else Obj(f"aws.{kind}:?")
        if dotted in _BOTO_SESSIONS:
            return Obj("aws.session")
        if dotted in _LOGGER_FACTORIES:
            return Obj("logger")
        if dotted == "builtins.getattr" and len(call.args) >= 2:
            name = const_str(self.value(call.args[1], scope))
            return self.attribute(self.value(call.args[0], scope), name, scope) if name else UNKNOWN
        return External(dotted + "()")

    def _method_call(self, method: Method, call: ast.Call, scope: Scope) -> object:
        kind = method.receiver.kind if isinstance(method.receiver, Obj) else ""
        if kind == "aws.session" and method.name in ("client", "resource"):
            service = const_str(self.value(call.args[0], scope)) if call.args else \
                const_str(self.keywords(call, scope).get("service_name", UNKNOWN))
            return Obj(f"aws.{method.name}:{service or '?'}")
        if kind.startswith("aws.resource:") and method.name in _RESOURCE_IDENTIFIERS:
            names = _RESOURCE_IDENTIFIERS[method.name]
            values = tuple((n, self.value(a, scope)) for n, a in zip(names, call.args))
            return Obj(f"aws.{method.name if method.name != 'ObjectSummary' else 'Object'}", values)
        if method.name == "get_paginator" and kind.startswith("aws.client:"):
            return self._paginator(kind.split(":", 1)[1], call, scope)
        if kind == "aws.Bucket" and method.name == "Object":
            bucket = method.receiver.ident[:1]
            return Obj("aws.Object", bucket + tuple(("Key", self.value(a, scope)) for a in call.args[:1]))
        if self.state_read is not None and self.state_read(call, scope, method):
            return StateData("read")
        return UNKNOWN

    def _paginator(self, service: str, call: ast.Call, scope: Scope) -> object:
        """`client.get_paginator("list_objects_v2")`: a paginator whose `paginate(...)` makes the state reads
        (the requests go out there, page by page, not where the paginator is made)."""
        operation = const_str(self.value(call.args[0], scope)) if call.args else None
        if operation not in vocab.STATE_IO_OPERATIONS:
            return UNKNOWN
        if service in ("", "?"):
            service = "dynamodb" if operation in vocab.DYNAMODB_STATE_OPERATIONS else "s3"
        return Obj(f"aws.paginator:{service}", (("operation", operation),))

    def returned(self, target: FuncRef, call: ast.Call | None, scope: Scope) -> object:
        """What a call of an implementation function returns: its return annotation when that names a known
        type, else its `return` expressions with the parameters bound to the call's arguments."""
        module = self.program.module(target.path)
        function = module.lookup(target.qualname) if module else None
        if function is None or scope.depth >= MAX_DEPTH:
            return UNKNOWN
        if target.qualname.endswith(".__init__"):
            return UNKNOWN
        returns = getattr(function, "returns", None)
        if returns is not None:
            typed = self.annotation(returns, Scope(module, None, None, scope.depth + 1))
            if typed is not UNKNOWN:
                return typed
        bindings = self.bind(function, target, call, scope) if call is not None else None
        inner = Scope(module, function, bindings, scope.depth + 1)
        values = [self.value(r, inner) for r in module.function_facts(function).returns]
        if any(isinstance(v, StateData) for v in values):
            return StateData("returned")
        if any(isinstance(v, DictV) for v in values):
            return merge_dicts([v for v in values if isinstance(v, DictV)])
        return self._first_known(values) if values else UNKNOWN

    def bind(self, function: ast.AST, target: FuncRef, call: ast.Call, scope: Scope) -> tuple:
        """The call's argument values for the function's parameters (defaults where not given)."""
        args = function.args
        params = [a.arg for a in args.posonlyargs + args.args]
        if target.bound is not None or (params and params[0] in ("self", "cls") and "." in target.qualname):
            params = params[1:]
        values: dict[str, object] = {}
        defaults = args.defaults
        for param, default in zip(params[len(params) - len(defaults):], defaults):
            values[param] = Lazy(default, Scope(self.program.module(target.path)), self)
        for param, default in zip([a.arg for a in args.kwonlyargs], args.kw_defaults):
            if default is not None:
                values[param] = Lazy(default, Scope(self.program.module(target.path)), self)
        for param, arg in zip(params, call.args):
            if isinstance(arg, ast.Starred):
                break
            values[param] = self.value(arg, scope)
        given = self.keywords(call, scope)
        extra = []
        for key, value in given.items:
            if key in values or key in params or key in [a.arg for a in args.kwonlyargs]:
                values[key] = value
            else:
                extra.append((key, value))
        if args.kwarg is not None:
            values[args.kwarg.arg] = DictV(tuple(extra), given.open)
        resolved = tuple((k, v.get() if isinstance(v, Lazy) else v) for k, v in values.items())
        # Unbound parameters stay unknown inside (not Param: they belong to no wrapper being analysed).
        missing = tuple((p, UNKNOWN) for p in params + [a.arg for a in args.kwonlyargs] if p not in values)
        return resolved + missing

    # -- parameters and annotations

    def parameter(self, function: ast.AST, name: str, scope: Scope) -> object:
        """An unbound parameter: its annotation's type, a durable context by decorator position or by being
        handed to a durable operation, what its callers pass (when that is known), else Param(name)."""
        module = scope.module
        args = function.args
        all_args = args.posonlyargs + args.args + args.kwonlyargs
        positional = args.posonlyargs + args.args
        arg = next((a for a in all_args if a.arg == name), None)
        if arg is None:  # *args / **kwargs
            return Param(name)
        owner = module.owner_class.get(id(function))
        if owner is not None and positional and positional[0].arg == name and name in ("self", "cls"):
            return Instance(module.path, owner.name) if name == "self" else ClassRef(module.path, owner.name)
        if arg.annotation is not None:
            typed = self.annotation(arg.annotation, Scope(module, None, None, scope.depth + 1))
            if typed is not UNKNOWN:
                return typed
        index = next((i for i, a in enumerate(positional) if a.arg == name), None)
        for decorator in getattr(function, "decorator_list", ()):
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            last = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            position = vocab.DURABLE_CONTEXT_DECORATORS.get(last)
            if position is not None and index == position:
                return Obj("durable.context")
        if scope.depth < MAX_DEPTH and not isinstance(function, ast.Lambda):
            passed = self._from_callers(function, name, index, scope)
            if passed is not None:
                return passed
        return Param(name)

    def _from_callers(self, function: ast.AST, name: str, index: int | None, scope: Scope) -> object | None:
        module = scope.module
        owner = module.owner_class.get(id(function))
        method = owner is not None
        positional = [a.arg for a in function.args.posonlyargs + function.args.args]
        if method and positional and positional[0] in ("self", "cls"):
            index = None if index is None else index - 1
        lookup = owner.name if method and function.name == "__init__" else function.name
        found, state, other = None, None, False
        for call, caller in module.callers(lookup):
            caller_scope = Scope(module, caller, None, scope.depth + 1)
            if index is not None and 0 <= index < len(call.args) and not isinstance(call.args[index], ast.Starred):
                arg = call.args[index]
            else:
                arg = next((k.value for k in call.keywords if k.arg == name), None)
            if arg is None:
                continue
            value = self.value(arg, caller_scope)
            if isinstance(value, StateData):
                state = value
            else:
                other = True
                if isinstance(value, (Obj, Instance)):
                    found = value
        if state is not None and not other:  # recorded state only when every caller passes recorded state
            return state
        if index == 0:  # a function handed to context.map/parallel/... gets a (child) DurableContext first
            for call, caller in module.callers("&" + function.name):
                target = self.callee(call, Scope(module, caller, None, scope.depth + 1))
                if isinstance(target, Method) and isinstance(target.receiver, Obj) \
                        and target.receiver.kind == "durable.context" and target.name in vocab.DURABLE_FUNCTION_TAKERS:
                    return Obj("durable.context")
        return found

    def annotation(self, node: ast.AST, scope: Scope) -> object:
        """The type an annotation names: an implementation class, a durable context, a boto3 type."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return UNKNOWN
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            left = self.annotation(node.left, scope)
            return left if left is not UNKNOWN else self.annotation(node.right, scope)
        if isinstance(node, ast.Subscript):
            outer = dotted_name(node.value) or ""
            if outer.split(".")[-1] in ("Optional", "Union", "Annotated"):
                inner = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
                return self._first_known([self.annotation(e, scope) for e in inner])
            return UNKNOWN
        name = dotted_name(node)
        if name is None:
            return UNKNOWN
        if name.split(".")[-1] == vocab.DURABLE_CONTEXT_TYPE:
            return Obj("durable.context")
        value = self.value(node, scope)
        if isinstance(value, ClassRef):
            return Instance(value.path, value.name)
        if isinstance(value, External):
            return _external_type(value.dotted)
        return UNKNOWN

    def _exception(self, handler: ast.ExceptHandler, scope: Scope) -> ExcValue:
        caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type] if handler.type else []
        names = tuple(filter(None, (dotted_name(c) for c in caught)))
        conflict = any(n.split(".")[-1] in self.program.conflict_exceptions for n in names)
        return ExcValue(names, conflict)


def _external_type(dotted: str) -> object:
    last = dotted.split(".")[-1]
    if dotted.startswith(("mypy_boto3_dynamodb", "types_boto3_dynamodb")):
        return Obj("aws.Table") if last == "Table" else Obj("aws.client:dynamodb") if "Client" in last else \
            Obj("aws.resource:dynamodb")
    if dotted.startswith(("mypy_boto3_s3", "types_boto3_s3")):
        kinds = {"Object": "aws.Object", "Bucket": "aws.Bucket", "S3Client": "aws.client:s3",
                 "S3ServiceResource": "aws.resource:s3"}
        return Obj(kinds.get(last, "aws.client:s3"))
    if dotted in _BOTO_SESSIONS:
        return Obj("aws.session")
    return UNKNOWN


def _parameters(function: ast.AST) -> set[str]:
    args = function.args
    names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    if args.vararg:
        names.add(args.vararg.arg)
    if args.kwarg:
        names.add(args.kwarg.arg)
    return names
