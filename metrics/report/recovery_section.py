"""The recovery section (research question 3): both pipelines broken at every place they can break, with
what recovery cost. Fills ``implementations.NAME.recovery`` from ``metrics.recovery``.

``--faults`` runs the full crash-point matrix and every fault kind; the default run takes a small sample of
crash points, so that the default report answers the question with numbers and stays short.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # sections.py imports this module
    from .sections import ReportState

#: Implementations the fault harness knows how to break (each needs its own crash seams).
SUPPORTED = ("baseline", "durable_ref")


@dataclass(frozen=True)
class RecoveryOptions:
    mode: str = "sample"  # "sample" (default run), "full" (--faults) or "off" (--no-faults)
    sample_size: int = 2
    #: The fault kinds of a sample run: crashes only; --faults runs them all.
    sample_sections: tuple[str, ...] = ("crash",)


class RecoverySection:
    name = "recovery"

    def build(self, state: "ReportState") -> None:
        options: RecoveryOptions = state.options.extra.get("recovery", RecoveryOptions())
        if state.options.static_only or options.mode == "off":
            return
        _note_step_functions(state)
        names = [name for name, _ in state.options.implementations if name in SUPPORTED]
        if not names:
            return
        from metrics.recovery import SECTIONS, run_recovery

        sections = SECTIONS if options.mode == "full" else options.sample_sections
        progress = None if not state.options.runtime.progress else _progress
        result = run_recovery(tuple(names), mode=options.mode, sample_size=options.sample_size,
                              sections=sections, progress=progress)
        for name, entry in result["implementations"].items():
            state.report["implementations"][name]["recovery"] = entry["recovery"]
        state.report["sections"].append(self.name)


def _note_step_functions(state: "ReportState") -> None:
    """A Step Functions implementation (its static figures found a state machine definition) gets the
    table of which faults apply to it and what its harness lacks for the matrix, instead of runs."""
    from metrics.recovery.step_functions import applicability

    for name, _ in state.options.implementations:
        entry = state.report["implementations"][name]
        if name not in SUPPORTED and (entry.get("static", {}).get("definition") or {}).get("files"):
            entry["recovery_applicability"] = applicability()


def _progress(event: object) -> None:
    print(event, file=sys.stderr, flush=True)
