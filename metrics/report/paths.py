"""How paths appear in the report."""
from __future__ import annotations

from pathlib import Path


def shown(path: Path) -> str:
    """A path as the reader should see it: relative to the current directory when it is inside it."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return str(path)
