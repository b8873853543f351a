"""Running the pipelines for the run-time section: one monolithic encode and one measured pipeline process
side by side per implementation and repeat, and the chunk-count sweep. Progress goes to stderr."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence, TextIO

import media
from metrics.runtime import CostSettings, PriceTable, measure_monolithic, runtime_figures

from .pipeline_process import run_measured_process
from .runtime_results import sweep_record



class ProgressLog:
    """``runtime: ...`` lines on stderr (nothing when disabled)."""

    def __init__(self, enabled: bool = True, stream: TextIO = sys.stderr) -> None:
        self.enabled = enabled
        self.stream = stream

    def __call__(self, message: str) -> None:
        if self.enabled:
            print(f"runtime: {message}", file=self.stream, flush=True)


@dataclass(frozen=True)
class RuntimePlan:
    """What the section runs, resolved and checked before anything runs."""

    implementations: tuple[tuple[str, Path], ...]
    video: Path
    info: media.VideoInfo
    settings: media.PipelineSettings
    repeat: int
    prices: PriceTable
    #: Each implementation's cost settings (from its template unless overridden).
    cost: Mapping[str, CostSettings]


def _summary_line(name: str, figures: dict, process_s: float, monolithic_s: float | None) -> str:
    line = (f"{name}: {figures['status']} in {process_s:.1f} s (job {figures['e2e_latency_s'] or 0:.1f} s, "
            f"{figures['chunks']} chunks, {figures['workflow_storage_ops']['total']} storage ops, "
            f"${figures['cost_usd']['per_video_usd']:.6f} per video)")
    if monolithic_s:
        line += f"; {process_s / monolithic_s:.2f}x the monolithic encode"
    return line


def measure_pairs(plan: RuntimePlan, log: ProgressLog) -> dict[str, list[dict[str, Any]]]:
    """For each repeat and implementation, alternately: one monolithic encode of the input, then the
    implementation's job in a process of its own. Each pair runs under the same load, which on a shared
    machine moves both by tens of percent, so only the ratio within a pair means much."""
    records: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in plan.implementations}
    for run in range(1, plan.repeat + 1):
        for name, path in plan.implementations:
            where = f"run {run}/{plan.repeat}" if plan.repeat > 1 else "run"
            log(f"{name} {where}: monolithic encode of {plan.video.name} (the reference)")
            monolithic = measure_monolithic(plan.video, plan.settings)
            log(f"{name} {where}: monolithic encode took {monolithic['seconds']:.1f} s; now the pipeline")
            process = run_measured_process(name, path, plan.video, chunk_seconds=plan.settings.chunk_seconds,
                                           progress=log.enabled, stream=log.stream)
            figures = runtime_figures(process.measured, plan.prices, plan.cost[name])
            log(_summary_line(name, figures, process.seconds, monolithic["seconds"]))
            records[name].append({"figures": figures, "process_s": process.seconds,
                                  "monolithic_s": monolithic["seconds"]})
    return records


def measure_sweep(plan: RuntimePlan, video: Path, chunk_counts: Sequence[int], log: ProgressLog,
                  chunk_seconds_for: Callable[[media.VideoInfo, int], float]) -> dict[str, list[dict[str, Any]]]:
    """Each implementation's job on ``video`` at every chunk count (no monolithic reference: the sweep is
    about what grows with the number of chunks)."""
    info = media.probe(video)
    points: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in plan.implementations}
    total = len(chunk_counts) * len(plan.implementations)
    step = 0
    for count in chunk_counts:
        seconds = chunk_seconds_for(info, count)
        for name, path in plan.implementations:
            step += 1
            log(f"sweep point {step}/{total}: {name}, {count} chunks of {seconds:g} s")
            process = run_measured_process(name, path, video, chunk_seconds=seconds, progress=log.enabled,
                                           stream=log.stream, min_line_interval_s=2.0)
            figures = runtime_figures(process.measured, plan.prices, plan.cost[name])
            log(_summary_line(name, figures, process.seconds, None))
            points[name].append(sweep_record(figures, process.seconds))
    return points
