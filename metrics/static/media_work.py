"""Media work: statements that call the shared media core's processing functions (probe, split, encode,
assemble, ...). Calls of its key layout, settings and error types are not media work
(config.MEDIA_NON_WORK_MODULES), nor are class constructors (names starting with a capital).
"""
from __future__ import annotations

import ast
from pathlib import Path

from .model import LineClass, Mark
from .module_info import Detector, ModuleInfo
from .syntax import Context

MEDIA_PRIORITY = 2


def package_exports(package_dir: Path) -> dict[str, str]:
    """Names a package's `__init__.py` re-exports, mapped to the sub-module defining them."""
    init = package_dir / "__init__.py"
    if not init.is_file():
        return {}
    exports = {}
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            for alias in node.names:
                exports[alias.asname or alias.name] = node.module.split(".")[0]
    return exports


class MediaWorkDetector(Detector):
    node_types = (ast.Call,)

    def __init__(self, module: ModuleInfo) -> None:
        super().__init__(module)
        self._package = module.config.media_package
        self._non_work = set(module.config.media_non_work_modules)
        self._exports = module.index.media_exports

    def visit(self, node: ast.AST, ctx: Context) -> None:
        if isinstance(node, ast.Call) and self._is_media_work(node):
            self.marks.append(Mark(ctx.span[0], ctx.span[1], LineClass.MEDIA, MEDIA_PRIORITY))

    def _is_media_work(self, call: ast.Call) -> bool:
        resolved = self.module.imports.resolve(call.func)
        if not resolved:
            return False
        parts = resolved.split(".")
        if parts[0] != self._package or len(parts) < 2 or not parts[-1][:1].islower():
            return False
        submodule = parts[1] if len(parts) > 2 else self._exports.get(parts[-1], "")
        return submodule not in self._non_work
