"""What one report run compares, and where it writes."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from metrics.static.config import DEFAULT_EXCLUDES

REPO_ROOT = Path(__file__).resolve().parents[2]
#: The implementations compared by default, the reference first; one whose directory is missing is left
#: out (stepfunctions_ref, issue 12, exists only once its branch is merged).
KNOWN_IMPLEMENTATIONS: tuple[str, ...] = ("baseline", "durable_ref", "stepfunctions_ref")


def default_implementations(root: Path = REPO_ROOT) -> tuple[tuple[str, Path], ...]:
    """The known implementations present under ``root``, in the order of ``KNOWN_IMPLEMENTATIONS``."""
    return tuple((name, root / name) for name in KNOWN_IMPLEMENTATIONS if (root / name).is_dir())


def discovered_implementations(root: Path = REPO_ROOT) -> tuple[tuple[str, Path], ...]:
    """Every implementation under ``root`` (``compare.py --all``): a package beside the media core with a
    SAM ``template.yaml`` and a local harness (``local/`` or ``local.py``), the known ones first in their order, then the
    others by name."""
    found = [path for path in sorted(root.iterdir())
             if path.is_dir() and (path / "__init__.py").is_file() and (path / "template.yaml").is_file()
             and ((path / "local").is_dir() or (path / "local.py").is_file())]
    order = {name: index for index, name in enumerate(KNOWN_IMPLEMENTATIONS)}
    found.sort(key=lambda path: (order.get(path.name, len(order)), path.name))
    return tuple((path.name, path) for path in found)


DEFAULT_IMPLEMENTATIONS: tuple[tuple[str, Path], ...] = default_implementations()
DEFAULT_COMMON: tuple[tuple[str, Path], ...] = (("media", REPO_ROOT / "media"),)
DEFAULT_OUT = REPO_ROOT / "reports" / "out"
#: Chunk counts of ``--sweep`` (at least 4 to 256, as issue 5 asks).
DEFAULT_SWEEP_CHUNKS: tuple[int, ...] = (4, 16, 64, 256)


@dataclass(frozen=True)
class RuntimeOptions:
    """What the run-time section runs: the input, the pipeline settings, repeats, the sweep, and the cost
    assumptions (price table override, Lambda memory size, retention of workflow state)."""

    input: Path | None = None  # None: the default synthetic 20 s 1280x720 input, made once and cached
    chunk_seconds: float = 2.0
    repeat: int = 1
    sweep: bool = False
    sweep_chunks: tuple[int, ...] = DEFAULT_SWEEP_CHUNKS
    sweep_input: Path | None = None  # None: a synthetic low-resolution input sized for sweep_chunks
    prices: Path | None = None
    #: None: each function at its template's MemorySize; a number: every function at that size (a what-if).
    memory_mb: int | None = None
    #: None: each implementation's retention periods from its template; a number: all of them.
    retention_days: float | None = None
    cache_dir: Path | None = None  # None: OUT/inputs
    progress: bool = True  # progress lines on stderr while pipelines run
    #: Compile bytecode and run one tiny unmeasured job per implementation before the timed runs.
    warm_up: bool = True


@dataclass(frozen=True)
class ReportOptions:
    implementations: tuple[tuple[str, Path], ...] = DEFAULT_IMPLEMENTATIONS
    common: tuple[tuple[str, Path], ...] = DEFAULT_COMMON
    out_dir: Path = DEFAULT_OUT
    excludes: tuple[str, ...] = DEFAULT_EXCLUDES
    static_only: bool = False
    runtime: RuntimeOptions = field(default_factory=RuntimeOptions)
    extra: dict = field(default_factory=dict)  # for sections added later (recovery, ...)

    @property
    def reference(self) -> str:
        """The implementation the others are compared with: the first one given."""
        return self.implementations[0][0]
