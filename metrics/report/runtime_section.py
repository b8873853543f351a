"""The run-time section: every implementation runs the same job on the same input, measured and priced,
beside a monolithic encode; with ``--sweep`` also at several chunk counts, fitted and projected to
ExCamera's scale. Fills ``implementations.NAME.runtime`` and ``report.runtime`` (see README.md, section 'Run-time measurements').
"""
from __future__ import annotations

import dataclasses
import os
import platform
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import media
from metrics.runtime import EXCAMERA, CostSettings, PriceTableError, load_prices
from metrics.runtime.deployment import TEMPLATE_NAME, cost_settings_of

from .inputs import DEFAULT_INPUT, SyntheticInput, cached_input, chunk_seconds_for, sweep_input_for
from .options import ReportOptions, RuntimeOptions
from .paths import shown
from .runtime_results import GOAL_RATIO, REPORT_QUOTAS, implementation_runtime, sweep_figures
from .runtime_runs import ProgressLog, RuntimePlan, measure_pairs, measure_sweep
from .runtime_warmup import warm_up

if TYPE_CHECKING:  # sections.py imports this module
    from .sections import ReportState


class RuntimeSetupError(ValueError):
    """An option of the run-time section that cannot work (no harness, unreadable input, bad prices)."""


def _cache_dir(options: ReportOptions) -> Path:
    return options.runtime.cache_dir or Path(options.out_dir) / "inputs"


def _readable_video(path: Path, what: str) -> media.VideoInfo:
    if not path.is_file():
        raise RuntimeSetupError(f"{what} {str(path)!r} is not a file")
    try:
        return media.probe(path)
    except media.MediaError as error:
        raise RuntimeSetupError(f"{what} {str(path)!r} cannot be used: {error}") from None


def _cost_settings(options: ReportOptions) -> dict[str, CostSettings]:
    """Each implementation's cost settings: its template's memory sizes and retention periods, unless
    --memory-mb or --retention-days override them (a DeploymentError is a ValueError)."""
    runtime = options.runtime
    try:
        settings = {name: cost_settings_of(path, memory_mb=runtime.memory_mb, retention_days=runtime.retention_days)
                    for name, path in options.implementations}
    except ValueError as error:
        raise RuntimeSetupError(str(error)) from None
    # The template as the reader should see it (relative to the current directory, like every path shown).
    return {name: dataclasses.replace(s, source=s.source.replace(str(Path(path) / TEMPLATE_NAME),
                                                                 shown(Path(path) / TEMPLATE_NAME)))
            for (name, path), s in zip(options.implementations, settings.values())}


def check_harnesses(options: ReportOptions) -> None:
    """Every implementation must have a local harness (``local/`` with ``run_local``) to be run."""
    for name, path in options.implementations:
        if not (Path(path) / "local" / "__init__.py").is_file():
            raise RuntimeSetupError(f"{name}: {path} has no local harness (local/__init__.py with run_local) to "
                                    f"run; use --static-only to compare its code only")


def _prices(runtime: RuntimeOptions):
    try:
        return load_prices(runtime.prices)
    except PriceTableError as error:
        raise RuntimeSetupError(str(error)) from None


def check_options(options: ReportOptions) -> None:
    """What can be checked before anything runs: the harnesses, the prices, the cost settings and the
    inputs given (compare.py calls it first, so that a bad option costs no analysis and no encode)."""
    if options.static_only:
        return
    runtime = options.runtime
    check_harnesses(options)
    _prices(runtime)
    _cost_settings(options)
    if runtime.input:
        _readable_video(Path(runtime.input), "--input")
    if runtime.sweep and runtime.sweep_input:
        _readable_video(Path(runtime.sweep_input), "--sweep-input")


def prepare(options: ReportOptions, log: ProgressLog) -> tuple[RuntimePlan, SyntheticInput | None]:
    """Check every option and make (or find) the input before any pipeline runs."""
    runtime = options.runtime
    check_harnesses(options)
    prices = _prices(runtime)
    cost = _cost_settings(options)
    synthetic = None if runtime.input else DEFAULT_INPUT
    video = Path(runtime.input) if runtime.input else cached_input(DEFAULT_INPUT, _cache_dir(options), log)
    info = _readable_video(video, "--input")
    settings = dataclasses.replace(media.PipelineSettings(), chunk_seconds=runtime.chunk_seconds)
    plan = RuntimePlan(implementations=tuple(options.implementations), video=video, info=info, settings=settings,
                       repeat=runtime.repeat, prices=prices, cost=cost)
    return plan, synthetic


def _input_entry(video: Path, info: media.VideoInfo, synthetic: SyntheticInput | None) -> dict:
    return {"path": shown(video), "synthetic": synthetic.to_dict() if synthetic else None,
            "duration_s": info.duration_s, "width": info.width, "height": info.height, "fps": info.fps,
            "frames": info.frames, "size_bytes": info.size_bytes, "has_audio": info.has_audio}


class RuntimeSection:
    """implementations.NAME.runtime (measured, priced, against a monolithic encode; the sweep with --sweep)
    and report.runtime (input, settings, prices, machine, method)."""

    name = "runtime"

    def build(self, state: ReportState) -> None:
        options = state.options
        if options.static_only:
            return
        runtime = options.runtime
        log = ProgressLog(runtime.progress)
        started = time.perf_counter()
        load_before = os.getloadavg()
        plan, synthetic = prepare(options, log)
        warmed = warm_up(plan.implementations, options.common, _cache_dir(options), log) if runtime.warm_up else None
        records = measure_pairs(plan, log)
        for name, runs in records.items():
            state.report["implementations"][name]["runtime"] = implementation_runtime(runs)
        sweep = self._sweep(options, plan, log, state) if runtime.sweep else None
        state.report["runtime"] = {
            "input": _input_entry(plan.video, plan.info, synthetic),
            "chunk_seconds": plan.settings.chunk_seconds,
            "repeat": plan.repeat,
            "encode_settings": asdict(plan.settings.encode),
            "cost_settings": {name: asdict(settings) for name, settings in plan.cost.items()},
            "prices": plan.prices.to_dict(),
            "goal_ratio": GOAL_RATIO,
            "method": {
                "process": "each job runs in a process of its own (python -m metrics.runtime.job_process): "
                           "the implementation's local.run_local, as `python -m NAME run VIDEO` runs it, plus "
                           "the botocore operation counter and the state sampler (at most 5% of the time); "
                           "its wall time, start to exit, is the whole-process time (an upper bound of the "
                           "plain command's)",
                "state": "external state sampled every 0.25 s or less often (a snapshot of a large job takes "
                         "a while on moto): a peak shorter than the pause can be missed, so peaks are lower "
                         "bounds",
                "monolithic": "one media.encode_whole of the same input with the same x264 settings and "
                              "threads=0, timed just before each pipeline process (alternating)",
                "e2e_latency": "the job's wall time as the local harness measured it (submission to outcome)",
                "warm_up": "before the timed runs, the project's bytecode is compiled and each implementation "
                           "runs one tiny unmeasured job in the same kind of process, so that no timed run pays "
                           "the first run's compilation and cold disk reads (--no-warm-up skips it)",
                "cost": "usage measured in the run priced with the price table; Lambda billed seconds are "
                        "every invocation timed whole, entry to return or raise (durable: every orchestrator "
                        "invocation, replays included, and every encoder invocation; baseline: every "
                        "delivery), less local waits for a core, each function at its template's memory "
                        "size (see lambda.billed_seconds_basis and cost_usd.lambda_functions)",
            },
            "sweep": sweep,
            "warm_up": warmed.to_dict() if warmed else None,
            "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                        "load_average_before": list(load_before), "load_average_after": list(os.getloadavg())},
            "seconds": time.perf_counter() - started,
        }
        state.report["sections"].append(self.name)

    @staticmethod
    def _sweep(options: ReportOptions, plan: RuntimePlan, log: ProgressLog, state: ReportState) -> dict:
        runtime = options.runtime
        counts = tuple(runtime.sweep_chunks)
        synthetic = None if runtime.sweep_input else sweep_input_for(counts)
        video = Path(runtime.sweep_input) if runtime.sweep_input else cached_input(synthetic, _cache_dir(options), log)
        info = _readable_video(video, "--sweep-input")
        points = measure_sweep(plan, video, counts, log, chunk_seconds_for)
        for name, rows in points.items():
            state.report["implementations"][name]["runtime"]["sweep"] = sweep_figures(rows)
        return {
            "input": _input_entry(video, info, synthetic),
            "chunk_counts": list(counts),
            "chunk_seconds": [chunk_seconds_for(info, count) for count in counts],
            "target": asdict(EXCAMERA),
            "quotas": [quota.to_dict() for quota in REPORT_QUOTAS],
            "projection": True,
        }
