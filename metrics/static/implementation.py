"""Analysis of one implementation directory: its files, in one process or fanned out over processes."""
from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .analyzer import FileAnalysis, analyze_source
from .config import StaticConfig
from .discovery import python_files
from .index import ImplementationIndex, build_index
from .media_work import package_exports


class ImplementationNotFoundError(FileNotFoundError):
    """An implementation path that does not exist."""


@dataclass
class ImplementationAnalysis:
    name: str
    root: Path
    config: StaticConfig
    files: list[FileAnalysis] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    index: ImplementationIndex = field(default_factory=ImplementationIndex)

    @property
    def parsed(self) -> list[FileAnalysis]:
        return [f for f in self.files if f.parse_error is None]

    @property
    def unparsed(self) -> list[FileAnalysis]:
        return [f for f in self.files if f.parse_error is not None]


def analyze_implementation(name: str, root: Path | str, config: StaticConfig = StaticConfig(),
                           media_dir: Path | None = None) -> ImplementationAnalysis:
    """Analyse every Python file under `root` that no exclude glob matches."""
    root = Path(root)
    if not root.exists():
        raise ImplementationNotFoundError(f"implementation {name!r}: path {str(root)!r} does not exist")
    included, excluded = python_files(root, config.excludes)
    base = root if root.is_dir() else root.parent
    sources, unreadable = {}, []
    for path in included:
        try:
            sources[path] = (base / path).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError) as error:
            unreadable.append(FileAnalysis(path=path, source="", lines=[], parse_error=f"cannot read: {error}"))
    index = build_index(sources, package_exports(media_dir or _find_package(root, config.media_package)))
    workers = _workers(config, len(sources))
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers, initializer=_set_worker_state,
                                 initargs=(config, index)) as pool:
            files = list(pool.map(_analyze_in_worker, sources.items(),
                                  chunksize=max(1, len(sources) // (workers * 4))))
    else:
        files = [analyze_source(path, source, config, index) for path, source in sources.items()]
    files = sorted(files + unreadable, key=lambda f: f.path)
    _count_wrapped_calls_once(files)
    return ImplementationAnalysis(name, root, config, files, excluded, index)


def _count_wrapped_calls_once(files: list[FileAnalysis]) -> None:
    """A call inside a state wrapper counts only when nothing calls the wrapper (state_wrappers.py)."""
    called = Counter(f.through for file in files for f in file.findings if f.through)
    for file in files:
        file.findings = [f for f in file.findings if not (f.inside and called[f.inside])]


_worker_state: tuple[StaticConfig, ImplementationIndex] | None = None


def _set_worker_state(config: StaticConfig, index: ImplementationIndex) -> None:
    global _worker_state
    _worker_state = (config, index)


def _analyze_in_worker(item: tuple[str, str]) -> FileAnalysis:
    config, index = _worker_state
    return analyze_source(item[0], item[1], config, index)


def _workers(config: StaticConfig, files: int) -> int:
    if config.workers is not None:
        return max(1, config.workers)
    return min(os.cpu_count() or 1, 8) if files >= config.parallel_min_files else 1


def _find_package(root: Path, package: str) -> Path:
    """The media package beside the implementation (or in the current directory)."""
    for candidate in (root.resolve().parent / package, Path.cwd() / package):
        if candidate.is_dir():
            return candidate
    return Path(package)
