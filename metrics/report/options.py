"""What one report run compares, and where it writes."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from metrics.static.config import DEFAULT_EXCLUDES

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_IMPLEMENTATIONS: tuple[tuple[str, Path], ...] = (
    ("baseline", REPO_ROOT / "baseline"),
    ("durable_ref", REPO_ROOT / "durable_ref"),
)
DEFAULT_COMMON: tuple[tuple[str, Path], ...] = (("media", REPO_ROOT / "media"),)
DEFAULT_OUT = REPO_ROOT / "reports" / "out"


@dataclass(frozen=True)
class ReportOptions:
    implementations: tuple[tuple[str, Path], ...] = DEFAULT_IMPLEMENTATIONS
    common: tuple[tuple[str, Path], ...] = DEFAULT_COMMON
    out_dir: Path = DEFAULT_OUT
    excludes: tuple[str, ...] = DEFAULT_EXCLUDES
    static_only: bool = False
    extra: dict = field(default_factory=dict)  # for sections added later (run-time settings, ...)

    @property
    def reference(self) -> str:
        """The implementation the others are compared with: the first one given."""
        return self.implementations[0][0]
