"""Which pipeline stage each line of an implementation belongs to.

Rules, first match wins:
1. a `# stage: NAME` comment on a def or class line (any line of its signature) puts that definition's
   lines in stage NAME;
2. a file whose name contains a stage word (validate, chunk, encode, assemble) belongs to that stage;
3. otherwise the innermost enclosing function or class whose name contains a stage word decides;
4. otherwise the line is shared plumbing.
When a name holds several stage words, the one appearing first wins (`encode_chunk` is encoding).
"""
from __future__ import annotations

import ast
import re
from pathlib import PurePosixPath

from .config import PLUMBING, STAGE_KEYWORDS, STAGES
from .syntax import FUNCTION_NODES, first_line, statements

_OVERRIDE = re.compile(r"#\s*stage:\s*([A-Za-z_]+)")
_DEFINITIONS = FUNCTION_NODES + (ast.ClassDef,)


def stage_of_name(name: str) -> str | None:
    lowered = name.lower()
    hits = [(lowered.find(word), stage) for word, stage in STAGE_KEYWORDS if word in lowered]
    return min(hits)[1] if hits else None


def line_stages(path: str, tree: ast.Module | None, lines: list[str]) -> tuple[list[str], list[str]]:
    """The stage of every line (index 0 is line 1), and warnings about unknown `# stage:` names."""
    file_stage = stage_of_name(PurePosixPath(path).stem)
    stages = [file_stage or PLUMBING] * len(lines)
    warnings: list[str] = []
    if tree is None:
        return stages, warnings
    # Parents come before children, so inner definitions override their parents' lines.
    for node in statements(tree):
        if not isinstance(node, _DEFINITIONS):
            continue
        stage = _override(node, lines, path, warnings)
        if stage is None and file_stage is None:
            stage = stage_of_name(node.name)
        if stage is not None:
            start, end = first_line(node) - 1, min(node.end_lineno, len(stages))
            stages[start:end] = [stage] * (end - start)
    return stages, warnings


def _override(node: ast.AST, lines: list[str], path: str, warnings: list[str]) -> str | None:
    last = node.body[0].lineno - 1 if node.body[0].lineno > node.lineno else node.lineno
    for number in range(node.lineno, last + 1):
        match = _OVERRIDE.search(lines[number - 1]) if number <= len(lines) else None
        if match:
            if match.group(1) in STAGES:
                return match.group(1)
            warnings.append(f"{path}:{number}: unknown stage {match.group(1)!r} in '# stage:' comment "
                            f"(known: {', '.join(STAGES)})")
    return None
