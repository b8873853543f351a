"""Error-handling syntax: try blocks, except handlers, finally blocks, raise statements.

Also marks the lines that exist only to handle errors (handlers, finally blocks, `try:` lines, raise
statements, exception class definitions) for the attribution of lines.
"""
from __future__ import annotations

import ast

from .model import FindingKind, LineClass, Mark
from .module_info import Detector
from .syntax import Context, dotted_name, first_line

# Statement-level marks beat region marks: a state write inside an except handler is state management.
REGION_PRIORITY = 1
STATEMENT_PRIORITY = 3
_EXCEPTION_BASE_SUFFIXES = ("Error", "Exception", "Warning")


class ErrorHandlingDetector(Detector):
    node_types = (ast.Try, ast.TryStar, ast.Raise, ast.ClassDef)

    def visit(self, node: ast.AST, ctx: Context) -> None:
        if isinstance(node, (ast.Try, ast.TryStar)):
            self._visit_try(node, ctx)
        elif isinstance(node, ast.Raise):
            self.add(FindingKind.RAISE_STATEMENT, node, ctx, self._raised(node))
            self.marks.append(Mark(node.lineno, node.end_lineno, LineClass.ERROR_HANDLING, STATEMENT_PRIORITY))
        elif isinstance(node, ast.ClassDef) and self._is_exception_class(node):
            self.marks.append(Mark(first_line(node), node.end_lineno, LineClass.ERROR_HANDLING, REGION_PRIORITY))

    def _visit_try(self, node: ast.Try, ctx: Context) -> None:
        self.add(FindingKind.TRY_BLOCK, node, ctx, f"try with {len(node.handlers)} handler(s)"
                 + (" and finally" if node.finalbody else ""))
        self.marks.append(Mark(node.lineno, node.lineno, LineClass.ERROR_HANDLING, REGION_PRIORITY))
        for handler in node.handlers:
            caught = ast.unparse(handler.type) if handler.type is not None else "everything"
            self.add(FindingKind.EXCEPT_HANDLER, handler, ctx, f"except {caught}")
            self.marks.append(Mark(handler.lineno, handler.end_lineno, LineClass.ERROR_HANDLING, REGION_PRIORITY))
        if node.finalbody:
            start = self._finally_line(node)
            end = node.finalbody[-1].end_lineno
            self.add(FindingKind.FINALLY_BLOCK, (start, end), ctx, "finally")
            self.marks.append(Mark(start, end, LineClass.ERROR_HANDLING, REGION_PRIORITY))

    def _finally_line(self, node: ast.Try) -> int:
        """The `finally:` line, which the syntax tree does not record: the nearest line above the block."""
        line = node.finalbody[0].lineno
        for candidate in range(line, node.lineno, -1):
            if self.module.text(candidate).lstrip().startswith("finally"):
                return candidate
        return line

    @staticmethod
    def _raised(node: ast.Raise) -> str:
        if node.exc is None:
            return "re-raise"
        target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        return f"raise {dotted_name(target) or ast.unparse(target)}"

    @staticmethod
    def _is_exception_class(node: ast.ClassDef) -> bool:
        return any((dotted_name(base) or "").endswith(_EXCEPTION_BASE_SUFFIXES) for base in node.bases)
