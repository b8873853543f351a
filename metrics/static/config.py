"""What the static analysis looks at, and how it names stages. Small frozen settings, no behaviour."""
from __future__ import annotations

from dataclasses import dataclass

# Order matters: reports list stages in pipeline order, shared plumbing last.
STAGES: tuple[str, ...] = ("validation", "chunking", "encoding", "assembly", "plumbing")
PLUMBING = "plumbing"

# A file, function or class whose name contains one of these words belongs to that stage.
STAGE_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("validate", "validation"),
    ("chunk", "chunking"),
    ("encode", "encoding"),
    ("assemble", "assembly"),
)

# The local harness (command line, in-process Lambda emulation, runner glue) and tests are not deployed,
# so they are not part of what a developer must write for production.
DEFAULT_EXCLUDES: tuple[str, ...] = (
    "local/*",
    "__main__.py",
    "tests/*",
    "test_*.py",
    "*_test.py",
    "conftest.py",
)

# Sub-modules of the media package that hold no media processing: key layout, settings, error types, the
# thread fan-out for I/O.
MEDIA_NON_WORK_MODULES: tuple[str, ...] = ("layout", "config", "errors", "synthetic", "concurrency")


@dataclass(frozen=True)
class StaticConfig:
    """Settings of one static analysis run."""

    excludes: tuple[str, ...] = DEFAULT_EXCLUDES
    media_package: str = "media"
    media_non_work_modules: tuple[str, ...] = MEDIA_NON_WORK_MODULES
    # Above this many files the analysis fans out over processes; below it a pool costs more than it saves.
    parallel_min_files: int = 40
    workers: int | None = None
