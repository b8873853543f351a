"""The modules of one implementation as the data flow reads them: per module its functions, classes (methods,
fields, `self.x = ...` attributes), constants, imports and the callers of each name; per function its
assignments and dictionary mutations. Modules are parsed on first use."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Iterator

from .syntax import FUNCTION_NODES, ImportMap


@dataclass
class ClassFacts:
    name: str
    node: ast.ClassDef
    methods: dict[str, ast.AST] = field(default_factory=dict)
    fields: dict[str, ast.AST] = field(default_factory=dict)  # class-level annotations (dataclass fields)
    attributes: dict[str, list[tuple[ast.AST, ast.AST]]] = field(default_factory=dict)  # self.x = expr, in method
    bases: list[ast.AST] = field(default_factory=list)


@dataclass
class FunctionFacts:
    """Assignments and dictionary mutations of one function, collected once."""

    assigns: dict[str, list[ast.AST]] = field(default_factory=dict)
    mutations: dict[str, list[tuple[str, ast.AST]]] = field(default_factory=dict)  # name -> (key|"**", value)
    handlers: dict[str, ast.ExceptHandler] = field(default_factory=dict)
    loop_targets: set[str] = field(default_factory=set)
    globals: set[str] = field(default_factory=set)
    returns: list[ast.AST] = field(default_factory=list)


class ModuleFacts:
    def __init__(self, path: str, tree: ast.Module) -> None:
        self.path = path
        self.tree = tree
        self.imports = ImportMap(tree)
        self.functions: dict[str, ast.AST] = {}  # module-level functions by name
        self.classes: dict[str, ClassFacts] = {}
        self.constants: dict[str, list[ast.AST]] = {}  # module-level assignments, and `global` ones in functions
        self.annotations: dict[str, ast.AST] = {}
        self.owner_class: dict[int, ClassFacts] = {}  # id(method) -> its class
        self.parent_function: dict[int, ast.AST] = {}  # id(nested def) -> enclosing def
        self._function_facts: dict[int, FunctionFacts] = {}
        self._callers: dict[str, list[tuple[ast.Call, ast.AST | None]]] | None = None
        self._read()

    def _read(self) -> None:
        for node in self.tree.body:
            if isinstance(node, FUNCTION_NODES):
                self.functions[node.name] = node
            elif isinstance(node, ast.ClassDef):
                self._read_class(node)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    for name in _target_names(target):
                        self.constants.setdefault(name, []).append(node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                self.annotations[node.target.id] = node.annotation
                if node.value is not None:
                    self.constants.setdefault(node.target.id, []).append(node.value)
        # Statements only (cheap): which def encloses each nested def, and which defs declare globals.
        stack: list[tuple[ast.AST, ast.AST | None]] = [(n, None) for n in self.tree.body]
        while stack:
            node, function = stack.pop()
            if isinstance(node, FUNCTION_NODES):
                if function is not None:
                    self.parent_function[id(node)] = function
                function = node
            elif isinstance(node, ast.Global) and function is not None:
                facts = self.function_facts(function)
                for name in node.names:
                    for value in facts.assigns.get(name, ()):
                        self.constants.setdefault(name, []).append(value)
            for field_name in ("body", "orelse", "finalbody", "handlers", "cases"):
                for child in getattr(node, field_name, None) or ():
                    stack.append((child, function))

    def _read_class(self, node: ast.ClassDef) -> None:
        facts = ClassFacts(node.name, node, bases=list(node.bases))
        self.classes[node.name] = facts
        for child in node.body:
            if isinstance(child, FUNCTION_NODES):
                facts.methods[child.name] = child
                self.owner_class[id(child)] = facts
                for inner in _statements_of(child):
                    if isinstance(inner, (ast.Assign, ast.AnnAssign)):
                        targets = inner.targets if isinstance(inner, ast.Assign) else [inner.target]
                        for target in targets:
                            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                                    and target.value.id == "self" and inner.value is not None:
                                facts.attributes.setdefault(target.attr, []).append((inner.value, child))
            elif isinstance(child, ast.AnnAssign) and isinstance(child.target, ast.Name):
                facts.fields[child.target.id] = child.annotation

    def function_facts(self, function: ast.AST) -> FunctionFacts:
        facts = self._function_facts.get(id(function))
        if facts is not None:
            return facts
        facts = FunctionFacts()
        self._function_facts[id(function)] = facts
        for node in _own_nodes(function):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    self._record_target(facts, target, node.value)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
                if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) \
                        and isinstance(node.op, ast.BitOr):
                    facts.mutations.setdefault(node.target.id, []).append(("**", node.value))
                elif isinstance(node, ast.AnnAssign):
                    self._record_target(facts, node.target, node.value)
            elif isinstance(node, ast.NamedExpr):
                facts.assigns.setdefault(node.target.id, []).append(node.value)
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                facts.loop_targets.update(_target_names(node.target))
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        for name in _target_names(item.optional_vars):
                            facts.assigns.setdefault(name, []).append(item.context_expr)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                facts.handlers[node.name] = node
            elif isinstance(node, ast.Global):
                facts.globals.update(node.names)
            elif isinstance(node, ast.Return) and node.value is not None:
                facts.returns.append(node.value)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and isinstance(node.func.value, ast.Name) and node.func.attr in ("update", "setdefault"):
                name = node.func.value.id
                if node.func.attr == "setdefault" and node.args and isinstance(node.args[0], ast.Constant) \
                        and isinstance(node.args[0].value, str):
                    value = node.args[1] if len(node.args) > 1 else ast.Constant(None)
                    facts.mutations.setdefault(name, []).append((node.args[0].value, value))
                elif node.func.attr == "update":
                    facts.mutations.setdefault(name, []).append(("**", node))
        return facts

    @staticmethod
    def _record_target(facts: FunctionFacts, target: ast.AST, value: ast.AST) -> None:
        if isinstance(target, ast.Name):
            facts.assigns.setdefault(target.id, []).append(value)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
                and isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, str):
            facts.mutations.setdefault(target.value.id, []).append((target.slice.value, value))
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                for name in _target_names(element):
                    facts.loop_targets.add(name)  # unpacked: value unknown

    def callers(self, name: str) -> list[tuple[ast.Call, ast.AST | None]]:
        """Calls in this module that name `name` (as `name(...)`, `self.name(...)`, or pass it as an argument),
        with the function holding each."""
        if self._callers is None:
            self._callers = {}
            for function, node in _calls_with_function(self.tree):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
                if called:
                    self._callers.setdefault(called, []).append((node, function))
                for arg in list(node.args) + [k.value for k in node.keywords]:
                    for element in (arg.elts if isinstance(arg, (ast.List, ast.Tuple)) else [arg]):
                        if isinstance(element, ast.Name) and element.id != called:
                            self._callers.setdefault("&" + element.id, []).append((node, function))
        return self._callers.get(name, [])

    def qualname(self, function: ast.AST) -> str:
        owner = self.owner_class.get(id(function))
        return f"{owner.name}.{function.name}" if owner else function.name

    def lookup(self, qualname: str) -> ast.AST | None:
        head, _, rest = qualname.partition(".")
        if not rest:
            return self.functions.get(head)
        cls = self.classes.get(head)
        return cls.methods.get(rest) if cls else None


def _statements_of(function: ast.AST) -> Iterator[ast.stmt]:
    """The statements of a def's body, nested blocks included, nested defs and classes not."""
    stack = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, FUNCTION_NODES + (ast.ClassDef,)):
            continue
        for field_name in ("body", "orelse", "finalbody", "handlers", "cases"):
            stack.extend(getattr(node, field_name, None) or ())


def _target_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for e in target.elts for n in _target_names(e)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


def _own_nodes(function: ast.AST) -> Iterator[ast.AST]:
    """Nodes of a function's body, not looking into nested functions, lambdas or classes."""
    stack = list(function.body) if not isinstance(function, ast.Lambda) else [function.body]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, FUNCTION_NODES + (ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(node))


def _calls_with_function(tree: ast.Module) -> Iterator[tuple[ast.AST | None, ast.Call]]:
    stack: list[tuple[ast.AST, ast.AST | None]] = [(node, None) for node in tree.body]
    while stack:
        node, function = stack.pop()
        if isinstance(node, ast.Call):
            yield function, node
        inner = node if isinstance(node, FUNCTION_NODES) else function
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))


# ---- the program: every module of one implementation ----------------------------------------------------

class Program:
    """The implementation's modules, parsed on first use (files a detector never reaches stay unparsed)."""

    def __init__(self, sources: dict[str, str] | None = None, conflict_exceptions: frozenset[str] = frozenset()) -> None:
        self.sources = dict(sources or {})
        self.conflict_exceptions = conflict_exceptions
        self._modules: dict[str, ModuleFacts | None] = {}
        self._by_module_name: dict[str, str] = {}
        for path in self.sources:
            self._register_name(path)
        self.cache: dict = {}
        self._kept: list[ast.Module] = []

    def _register_name(self, path: str) -> None:
        parts = list(PurePosixPath(path).with_suffix("").parts)
        if parts and parts[-1] == "__init__":
            parts = parts[:-1]
        # Every suffix of the dotted name: `baseline.state`, `state` both reach baseline/state.py.
        for start in range(len(parts)):
            self._by_module_name.setdefault(".".join(parts[start:]), path)

    def tree(self, path: str, source: str) -> ast.Module:
        """The tree of a file under analysis: the program's own when it already parsed the same text, so
        that cached values (keyed by node identity) stay valid. Raises SyntaxError/ValueError."""
        if self.sources.get(path) == source and self._modules.get(path) is not None:
            return self._modules[path].tree
        tree = ast.parse(source, filename=path)
        if self._modules.get(path) is not None:
            self._kept.append(self._modules[path].tree)
        if path not in self.sources:
            self._register_name(path)
        self.sources[path] = source
        self._modules[path] = ModuleFacts(path, tree)
        self._kept.append(tree)  # node ids key the caches: no tree may be freed and its ids reused
        return tree

    def module(self, path: str) -> ModuleFacts | None:
        if path in self._modules:
            return self._modules[path]
        source = self.sources.get(path)
        facts = None
        if source is not None:
            try:
                facts = ModuleFacts(path, ast.parse(source))
            except (SyntaxError, ValueError):
                facts = None
        self._modules[path] = facts
        return facts

    def find(self, dotted: str, from_path: str) -> str | None:
        """The path of the implementation module `dotted` (relative `.x` resolved against `from_path`)."""
        if dotted.startswith("."):
            level = len(dotted) - len(dotted.lstrip("."))
            base = list(PurePosixPath(from_path).parent.parts)
            base = base[:len(base) - (level - 1)] if level > 1 else base
            rest = dotted.lstrip(".")
            candidate = ".".join(base + ([rest] if rest else []))
            return self._by_module_name.get(candidate) or self._by_module_name.get(rest) if rest else \
                self._by_module_name.get(candidate)
        return self._by_module_name.get(dotted)
