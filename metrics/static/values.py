"""The values the data flow (dataflow.py) gives an expression: constants, strings with holes, dictionaries
with the keys known to be in them, parameters, objects of known kinds, references to the implementation's
modules, functions, classes and instances, exceptions, and data read from recorded state."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Union


class Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


@dataclass(frozen=True)
class Const:
    value: object


@dataclass(frozen=True)
class Text:
    """A string: constant pieces, parameters (Param) and holes (None) for parts that cannot be known."""

    parts: tuple

    def render(self, hole: str = "\x00") -> str:
        return "".join(p if isinstance(p, str) else hole for p in self.parts)


@dataclass(frozen=True)
class DictV:
    """A dictionary with the keys known to be in it; `open` when it may hold others."""

    items: tuple[tuple[str, object], ...] = ()
    open: bool = False

    def get(self, key: str, default: object = None) -> object:
        return next((item_value(v) for k, v in self.items if k == key), default)

    def keys(self) -> list[str]:
        return [k for k, _ in self.items]


@dataclass(frozen=True)
class Param:
    """A parameter of the function being analysed, not bound to an argument."""

    name: str


@dataclass(frozen=True)
class Obj:
    """An object of a known external kind: "aws.client:dynamodb", "aws.resource:s3", "aws.Table",
    "aws.Object", "aws.Bucket", "aws.session", "durable.context", "logger", "builtin:dict", ..."""

    kind: str
    ident: tuple = ()  # what a resource object names: (("Bucket", value), ("Key", value)) for s3.Object(b, k)


@dataclass(frozen=True)
class External:
    """A name imported from outside the implementation, fully dotted (`boto3.client`, `tenacity.retry`)."""

    dotted: str


@dataclass(frozen=True)
class ModuleRef:
    path: str


@dataclass(frozen=True)
class FuncRef:
    path: str
    qualname: str
    bound: object = None  # the receiver of a bound method (an Instance), or None


@dataclass(frozen=True)
class ClassRef:
    path: str
    name: str


@dataclass(frozen=True)
class Instance:
    path: str
    name: str


@dataclass(frozen=True)
class Method:
    """An attribute of an external object, not called yet (`context.step`, `client.put_item`)."""

    receiver: object
    name: str


@dataclass(frozen=True)
class ExcValue:
    """The exception bound by `except E as e`: `conflict` when E means a lost conditional write."""

    names: tuple[str, ...]
    conflict: bool


@dataclass(frozen=True)
class StateData:
    """Data read from recorded state."""

    source: str


Value = Union[Unknown, Const, Text, DictV, Param, Obj, External, ModuleRef, FuncRef, ClassRef, Instance, Method,
              ExcValue, StateData]


def const_str(value: object) -> str | None:
    if isinstance(value, Text) and all(isinstance(p, str) for p in value.parts):
        return "".join(value.parts)
    return None


def is_none(value: object) -> bool:
    return isinstance(value, Const) and value.value is None


def merge_dicts(values: list[object]) -> DictV:
    items: dict[str, object] = {}
    open_ = False
    for value in values:
        if isinstance(value, DictV):
            for key, item in value.items:
                items[key] = item
            open_ = open_ or value.open
        else:
            open_ = True
    return DictV(tuple(items.items()), open_)


class Lazy:
    """A dictionary item's value, evaluated only when someone reads it (most requests' values are never read)."""

    __slots__ = ("node", "scope", "evaluator", "_value")

    def __init__(self, node: ast.AST, scope: object, evaluator: object) -> None:
        self.node, self.scope, self.evaluator, self._value = node, scope, evaluator, None

    def get(self) -> object:
        if self._value is None:
            self._value = self.evaluator.value(self.node, self.scope)
        return self._value


def item_value(value: object) -> object:
    """A dictionary item's value (items hold lazily evaluated values)."""
    return value.get() if isinstance(value, Lazy) else value
