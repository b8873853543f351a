"""One walk over a module's syntax tree that tells every node where it stands.

Each detector (error handling, state handling, media calls, ...) gets `(node, Context)` pairs from a single
walk instead of walking the tree again. The context says which function a node is in, which statement
lines contain it (for line attribution), and which loops and except handlers enclose it.
The walk is iterative, so deeply nested expressions cannot exhaust Python's recursion limit.
"""
from __future__ import annotations

import ast
from typing import Iterator, NamedTuple


FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)
LOOP_NODES = (ast.For, ast.AsyncFor, ast.While)
_BODY_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})


class Context(NamedTuple):
    """Where a node stands. `span` is the first and last line of its innermost simple statement, or of the
    header of its innermost compound statement (an `if` test, a `for` target and iterable, ...)."""

    function: str | None
    function_node: ast.AST | None
    span: tuple[int, int]
    loops: tuple[ast.AST, ...]
    handler: ast.ExceptHandler | None


def dotted_name(node: ast.AST) -> str | None:
    """`a.b.c` for a Name or an Attribute chain on a Name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def last_name(node: ast.AST) -> str | None:
    """The rightmost identifier of a Name, an Attribute or a Call of one (`retry` in `@tenacity.retry(...)`)."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def statements(tree: ast.Module) -> Iterator[ast.stmt]:
    """Every statement of the tree, parents before children (expressions hold no statements, so this is
    much cheaper than ast.walk)."""
    stack = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        yield node
        for field in _BODY_FIELDS:
            children = getattr(node, field, None)
            if children:
                for child in reversed(children):
                    if isinstance(child, ast.stmt):
                        stack.append(child)
                    else:  # except handlers and match cases hold statements
                        stack.extend(reversed(child.body))


class ImportMap:
    """Resolves local names to the dotted names they were imported as (`j.dumps` -> `json.dumps`)."""

    def __init__(self, tree: ast.Module) -> None:
        self.aliases: dict[str, str] = {}
        for node in statements(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.aliases[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        self.aliases.setdefault(top, top)
            elif isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                joiner = "." if node.module else ""
                for alias in node.names:
                    if alias.name != "*":
                        self.aliases[alias.asname or alias.name] = f"{module}{joiner}{alias.name}"
        self.modules = frozenset(value.split(".")[0] for value in self.aliases.values())

    def resolve(self, node: ast.AST) -> str | None:
        name = dotted_name(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        target = self.aliases.get(head, head)
        return f"{target}.{rest}" if rest else target

    def imports(self, package: str) -> bool:
        return package in self.modules


def header_end(node: ast.AST) -> int:
    """Last line of a compound statement's header: the latest line of any non-body child, else its first line."""
    end = node.lineno
    for field, value in ast.iter_fields(node):
        if field in _BODY_FIELDS:
            continue
        for child in value if isinstance(value, list) else (value,):
            if isinstance(child, ast.AST) and hasattr(child, "end_lineno") and child.end_lineno:
                end = max(end, child.end_lineno)
    return end


def first_line(node: ast.AST) -> int:
    """First line of a definition including its decorators."""
    decorators = getattr(node, "decorator_list", None)
    return min([node.lineno] + [d.lineno for d in decorators]) if decorators else node.lineno


def statement_span(node: ast.AST) -> tuple[int, int]:
    if any(isinstance(getattr(node, f, None), list) and getattr(node, f) for f in _BODY_FIELDS):
        return first_line(node), header_end(node)
    return node.lineno, node.end_lineno or node.lineno


def walk(tree: ast.Module) -> Iterator[tuple[ast.AST, Context]]:
    """Every node of the tree once, with its Context; parents before children."""
    root = Context(None, None, (1, 1), (), None)
    stack: list[tuple[ast.AST, Context, str]] = [(child, root, "") for child in reversed(tree.body)]
    statement_types = (ast.stmt, ast.excepthandler)
    while stack:
        node, ctx, prefix = stack.pop()
        if isinstance(node, statement_types):
            ctx = ctx._replace(span=statement_span(node))
        elif isinstance(node, ast.match_case):
            ctx = ctx._replace(span=(node.pattern.lineno, header_end(node.pattern)))
        yield node, ctx
        inner, inner_prefix = _inner_context(node, ctx, prefix)
        lambda_node = isinstance(node, ast.Lambda)
        children = []
        for field in node._fields:
            value = getattr(node, field, None)
            if value is None or isinstance(value, (str, int, float, bytes)):
                continue
            in_body = field in _BODY_FIELDS
            child_ctx = inner if in_body or lambda_node else ctx
            child_prefix = inner_prefix if in_body else prefix
            if isinstance(value, list):
                children.extend((child, child_ctx, child_prefix) for child in value if isinstance(child, ast.AST))
            elif isinstance(value, ast.AST):
                children.append((value, child_ctx, child_prefix))
        stack.extend(reversed(children))


def _inner_context(node: ast.AST, ctx: Context, prefix: str) -> tuple[Context, str]:
    if isinstance(node, FUNCTION_NODES):
        qualname = f"{prefix}{node.name}"
        return (ctx._replace(function=qualname, function_node=node, loops=(), handler=None), f"{qualname}.")
    if isinstance(node, ast.ClassDef):
        return ctx, f"{prefix}{node.name}."
    if isinstance(node, LOOP_NODES):
        return ctx._replace(loops=ctx.loops + (node,)), prefix
    if isinstance(node, ast.ExceptHandler):
        return ctx._replace(handler=node), prefix
    return ctx, prefix
