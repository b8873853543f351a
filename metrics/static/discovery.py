"""Which Python files of a directory are analysed, and which are excluded by the exclude globs."""
from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path

_SKIPPED_DIRECTORIES = frozenset({"__pycache__", "node_modules", "build", "dist"})


def is_excluded(relative: str, patterns: tuple[str, ...]) -> bool:
    """A glob matches a path relative to the root, or the same path below any directory of it:
    `local/*` excludes `local/run.py` and `pkg/local/run.py`; `__main__.py` excludes it at every depth."""
    return any(fnmatchcase(relative, p) or fnmatchcase(relative, f"*/{p}") for p in patterns)


def python_files(root: Path, patterns: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(analysed, excluded) paths relative to `root`, POSIX separators, sorted. `root` may be one file."""
    if root.is_file():
        return [root.name], []
    included, excluded = [], []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if any(part in _SKIPPED_DIRECTORIES or part.startswith(".") or part.endswith(".egg-info")
               for part in relative.parts[:-1]):
            continue
        posix = relative.as_posix()
        (excluded if is_excluded(posix, patterns) else included).append(posix)
    return included, excluded
