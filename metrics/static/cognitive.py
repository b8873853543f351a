"""Cognitive complexity (G. Ann Campbell, SonarSource), with the rules of SonarQube's Python analyser.

Increments: `if` +1 plus nesting; `elif` +1; `else` (of if, for, while, try) +1; `for`, `while` +1 plus
nesting; `except` +1 plus nesting; a conditional expression +1 plus nesting; `match` +1 plus nesting (the
white paper's `switch`); every change of operator in a sequence of `and`/`or`, and every parenthesised
sequence, +1. Nesting rises inside the bodies of if/elif/else, loops, except, case and conditional
expressions, and in a function nested in a function (not in a decorator-style wrapper whose other statements
are `return NAME`); not inside try, finally, with, or class bodies. No increment for try, finally, with,
break, continue, comprehensions, lambdas or recursion (SonarQube's Python rules: the white paper's
recursion and labelled-jump increments have no Python counterpart there).

A function's figure includes the functions nested in it, as SonarQube reports it.
"""
from __future__ import annotations

import ast

from .syntax import FUNCTION_NODES


def cognitive_complexity(function: ast.AST, lines: list[str]) -> tuple[int, list[tuple[int, int]]]:
    """The cognitive complexity of a def, and its increments as (line, amount)."""
    counter = _Counter(lines)
    counter.function(function, parent_level=None)
    return sum(amount for _, amount in counter.increments), counter.increments


class _Counter:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.increments: list[tuple[int, int]] = []

    def function(self, node: ast.AST, parent_level: int | None, wrapper: bool = False) -> None:
        level = 0 if parent_level is None else parent_level + (0 if wrapper else 1)
        for expression in node.decorator_list + [node.args]:
            self.expression(expression, level)
        self.body(node.body, level, owner=node)

    def body(self, statements: list[ast.stmt], level: int, owner: ast.AST | None = None) -> None:
        for statement in statements:
            self.statement(statement, level, owner)

    def statement(self, node: ast.stmt, level: int, owner: ast.AST | None) -> None:
        if isinstance(node, FUNCTION_NODES):
            self.function(node, level, wrapper=owner is not None and _is_wrapper(owner, node))
        elif isinstance(node, ast.ClassDef):
            for expression in node.decorator_list + node.bases + node.keywords:
                self.expression(expression, level)
            for child in node.body:  # class bodies reset nesting, as in SonarQube
                if isinstance(child, FUNCTION_NODES):
                    self.function(child, None)
                else:
                    self.statement(child, 0, None)
        elif isinstance(node, ast.If):
            self.if_chain(node, level, is_elif=False)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            self.add(node.lineno, 1 + level)
            self.children_expressions(node, level)
            self.body(node.body, level + 1)
            self.else_clause(node.orelse, level)
        elif isinstance(node, (ast.Try, ast.TryStar)):
            self.body(node.body, level)
            for handler in node.handlers:
                self.add(handler.lineno, 1 + level)
                if handler.type is not None:
                    self.expression(handler.type, level)
                self.body(handler.body, level + 1)
            self.else_clause(node.orelse, level)
            self.body(node.finalbody, level)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            self.children_expressions(node, level)
            self.body(node.body, level)
        elif isinstance(node, ast.Match):
            self.add(node.lineno, 1 + level)
            self.expression(node.subject, level)
            for case in node.cases:
                if case.guard is not None:
                    self.expression(case.guard, level + 1)
                self.body(case.body, level + 1)
        else:
            self.children_expressions(node, level)

    def if_chain(self, node: ast.If, level: int, is_elif: bool) -> None:
        self.add(node.lineno, 1 if is_elif else 1 + level)
        self.expression(node.test, level)
        self.body(node.body, level + 1)
        if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If) and self._is_elif(node.orelse[0]):
            self.if_chain(node.orelse[0], level, is_elif=True)
        else:
            self.else_clause(node.orelse, level)

    def else_clause(self, orelse: list[ast.stmt], level: int) -> None:
        if orelse:
            self.add(_else_line(orelse[0], self.lines), 1)
            self.body(orelse, level + 1)

    def _is_elif(self, node: ast.If) -> bool:
        text = self.lines[node.lineno - 1] if node.lineno <= len(self.lines) else ""
        return text.encode("utf-8")[node.col_offset:].startswith(b"elif")

    def children_expressions(self, node: ast.AST, level: int) -> None:
        for field, value in ast.iter_fields(node):
            if field in ("body", "orelse", "finalbody", "handlers", "cases"):
                continue
            for child in value if isinstance(value, list) else (value,):
                if isinstance(child, ast.AST):
                    self.expression(child, level)

    def expression(self, root: ast.AST, level: int) -> None:
        stack: list[tuple[ast.AST, int, ast.AST | None]] = [(root, level, None)]
        while stack:
            node, depth, parent = stack.pop()
            if isinstance(node, ast.IfExp):
                self.add(node.lineno, 1 + depth)
                stack.extend((child, depth + 1, node) for child in ast.iter_child_nodes(node))
                continue
            if isinstance(node, ast.BoolOp) and not (isinstance(parent, ast.BoolOp) and self._flattened(node, parent)):
                self.add(node.lineno, self._operator_changes(node))
            if isinstance(node, ast.Lambda):
                stack.append((node.body, depth, node))
                continue
            stack.extend((child, depth, node) for child in ast.iter_child_nodes(node))

    def _operator_changes(self, node: ast.BoolOp) -> int:
        """Increments for a sequence of and/or: 1, plus 1 at each change of operator, reading the
        operators left to right through unparenthesised sub-sequences."""
        operators: list[type] = []
        self._flatten(node, operators)
        return sum(1 for i, op in enumerate(operators) if i == 0 or op is not operators[i - 1])

    def _flatten(self, node: ast.BoolOp, operators: list[type]) -> None:
        for index, value in enumerate(node.values):
            if index:
                operators.append(type(node.op))
            if isinstance(value, ast.BoolOp) and self._flattened(value, node):
                self._flatten(value, operators)

    def _flattened(self, child: ast.BoolOp, parent: ast.BoolOp) -> bool:
        """A nested and/or sequence reads as part of its parent's unless it is in parentheses. Python
        only nests a same-operator sequence when parenthesised."""
        return type(child.op) is not type(parent.op) and not self._parenthesised(child)

    def _parenthesised(self, node: ast.AST) -> bool:
        line = self.lines[node.lineno - 1].encode("utf-8") if node.lineno <= len(self.lines) else b""
        before = line[:node.col_offset].rstrip()
        row = node.lineno - 1
        while not before and row > 0:  # the opening parenthesis may end an earlier line
            row -= 1
            before = self.lines[row].encode("utf-8").split(b"#")[0].rstrip()
        return before.endswith(b"(")

    def add(self, line: int, amount: int) -> None:
        self.increments.append((line, amount))


def _is_wrapper(outer: ast.AST, inner: ast.AST) -> bool:
    """A decorator-style wrapper: every other statement of the outer function is `return NAME`."""
    return all(
        statement is inner or (isinstance(statement, ast.Return) and isinstance(statement.value, ast.Name))
        for statement in outer.body
    )


def _else_line(first: ast.stmt, lines: list[str]) -> int:
    for line in range(first.lineno, 0, -1):
        if line <= len(lines) and lines[line - 1].lstrip().startswith("else"):
            return line
    return first.lineno
