"""Run the recovery matrix of one pipeline: fault-free reference runs, one crash per point, and the other
fault kinds, each checked against what must hold; the result is ``implementations.NAME.recovery``.
"""
from __future__ import annotations

import contextlib
import dataclasses
import itertools
import logging
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from media import PipelineSettings
from metrics.runtime.call_sites import SiteSpool, sites_to_list

from .checks import Expectation, StoreView, check_run
from .injectors import FORK, CrashEvery, CrashOnce, Throttler
from .points import CrashPoint, enumerate_points, sample_points
from .scenarios import NotApplicable, Scenario, expectation, oversized_video, scenario_extra, scenarios_for
from .server import moto_server_process
from .subjects import SUBJECTS, Faults, RunOutcome

SECTIONS = ("crash", "every_delivery", "duplicates", "out_of_order", "throttling", "poison", "bad_input")
#: The matrix input: 2 s, 160x120, 30 fps, keyframes every 0.5 s, with audio; 0.5 s chunks -> 4 chunks.
INPUT = {"seconds": 2, "width": 160, "height": 120, "fps": 30, "keyframe_seconds": 0.5, "chunk_seconds": 0.5}
DEFAULT_SAMPLE = 6
#: Every function's timeout in the matrix (each invocation of the small job takes well under a second): a
#: worker still running then ends as Lambda ends it, and its stacks are dumped on stderr.
WORKER_TIMEOUT_S = 60.0
QUIETED_LOGGERS = ("aws_durable_execution_sdk_python", "aws_durable_execution_sdk_python_testing", "baseline")
RECOVERY_COST_FIGURES = ("chunks_reencoded", "steps_reexecuted", "extra_storage_ops", "extra_invocations", "recovery_s")


@dataclass(frozen=True)
class RecoveryProgress:
    implementation: str
    section: str
    done: int
    total: int
    label: str
    ok: bool | None = None

    def __str__(self) -> str:
        verdict = "" if self.ok is None else (": ok" if self.ok else ": NOT OK")
        return f"recovery {self.implementation} {self.section} {self.done}/{self.total} {self.label}{verdict}"


Progress = Callable[[RecoveryProgress], None]


@dataclass
class Reference:
    """The fault-free runs every faulty run is compared with."""

    frames: tuple[str, ...]
    chunks: int
    duration_s: float
    invocations: float
    storage_ops: float
    work: int
    by_service: dict[str, float]
    points: list[CrashPoint]
    runs: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "runs": len(self.runs), "chunks": self.chunks, "frames": len(self.frames),
            "duration_s": round(self.duration_s, 3), "invocations": self.invocations, "storage_ops": self.storage_ops,
            "storage_ops_by_service": self.by_service, "work": self.work, "durations_s": [r["duration_s"] for r in self.runs],
        }


class RecoveryMatrix:
    """One pipeline's matrix, opened once: moto's server, the input, the fault-free reference runs; then
    ``crash(point)`` and ``scenario(scenario)`` run one faulty job each. ``run_matrix`` is the whole of it;
    tests open one per pipeline and run its points in several tests.
    """

    def __init__(
        self,
        impl_name: str,
        *,
        video: Path | None = None,
        settings: PipelineSettings | None = None,
        endpoint_url: str | None = None,
        work_dir: Path | None = None,
        dry_runs: int = 1,
        progress: Progress | None = None,
    ) -> None:
        self.subject = SUBJECTS[impl_name]
        self.own_input = video is None and settings is None
        self._video, self._work_dir, self.endpoint_url = video, work_dir, endpoint_url
        self.settings = settings or matrix_settings()
        self.dry_runs = max(1, dry_runs)
        self.progress = progress
        self.cpu = FORK.BoundedSemaphore(_cores())
        self._ids = itertools.count(1)
        self._stack = contextlib.ExitStack()
        self.reference: Reference | None = None

    def __enter__(self) -> "RecoveryMatrix":
        self._stack.enter_context(quiet_expected_failures())
        if self._work_dir is None:
            self._work_dir = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="recovery-")))
        if self.endpoint_url is None:
            self.endpoint_url = self._stack.enter_context(moto_server_process())
        self.video = Path(self._video) if self._video is not None else matrix_input(Path(self._work_dir))
        # Where every worker's AWS calls were made, for the static/run-time cross-check (call_site_check).
        self.call_sites = SiteSpool(Path(self._work_dir) / f"call-sites-{self.name}-{uuid.uuid4().hex[:6]}")
        self.reference = self._reference()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @property
    def name(self) -> str:
        return self.subject.name

    @property
    def points(self) -> list[CrashPoint]:
        """Every crash point of the fault-free run, in job order, before and after each operation."""
        return self.reference.points

    def summary(self) -> dict:
        return {
            "implementation": self.name,
            "input": {**INPUT, "chunks": self.reference.chunks} if self.own_input
            else {"video": str(self.video), "chunks": self.reference.chunks},
            "fault_model": fault_model(self.name),
            "reference": self.reference.as_dict(),
            "points_enumerated": len(self.reference.points),
        }

    def job_id(self, label: str) -> str:
        return f"rec-{label}-{next(self._ids)}-{uuid.uuid4().hex[:6]}"

    def report(self, section: str, done: int, total: int, label: str, ok: bool | None = None) -> None:
        if self.progress is not None:
            self.progress(RecoveryProgress(self.name, section, done, total, label, ok))

    def open(self, faults: Faults = Faults(), variant: str = "plain") -> Any:
        faults = dataclasses.replace(faults, session_hooks=(*faults.session_hooks, self.call_sites))
        return self.subject.open(self.endpoint_url, self.settings, faults, variant=variant, cpu=self.cpu,
                                 timeout_s=WORKER_TIMEOUT_S)

    # -- runs --------------------------------------------------------------------------------------

    def _reference(self) -> Reference:
        runs: list[tuple[RunOutcome, tuple[str, ...]]] = []
        for index in range(self.dry_runs):
            self.report("reference", index + 1, self.dry_runs, "fault-free run")
            job_id = self.job_id("reference")
            with self.open() as harness:
                outcome = harness.run(self.video, job_id)
                view = StoreView(harness.s3, harness.bucket)
                verdict = check_run(outcome.result, Expectation("SUCCEEDED"), view, job_id,
                                    outcome.workers["output_writes"])
                if not verdict.ok:
                    raise RuntimeError(f"the fault-free {self.name} run failed: {verdict.violations}")
                frames = view.frames(view.output_keys(job_id)[0])
            if runs and frames != runs[0][1]:
                raise RuntimeError(f"two fault-free {self.name} runs gave different frames")
            runs.append((outcome, frames))
        outcomes = [outcome for outcome, _ in runs]
        services = sorted({s for o in outcomes for s in o.workers["operations_by_service"]})
        return Reference(
            frames=runs[0][1],
            chunks=int(outcomes[0].result["chunks"]),
            duration_s=statistics.median(o.result["duration_s"] for o in outcomes),
            invocations=statistics.median(o.workers["invocations"] for o in outcomes),
            storage_ops=statistics.median(o.workers["storage_ops"] for o in outcomes),
            work=int(statistics.median(sum(o.workers["work"].values()) for o in outcomes)),
            by_service={s: statistics.median(o.workers["operations_by_service"].get(s, 0) for o in outcomes)
                        for s in services},
            points=enumerate_points(outcomes[0].invocations, self.subject.functions),
            runs=[o.result for o in outcomes],
        )

    def crash(self, point: CrashPoint) -> dict:
        """One run with a crash at ``point``, checked and measured against the reference."""
        crash = CrashOnce(point)
        job_id = self.job_id("crash")
        with self.open(Faults(site_hook=crash)) as harness:
            outcome = harness.run(self.video, job_id)
            verdict = check_run(outcome.result, Expectation("SUCCEEDED", frames=self.reference.frames),
                                StoreView(harness.s3, harness.bucket), job_id, outcome.workers["output_writes"])
        if not crash.fired:
            verdict.violations.append("the crash point was not reached")
        if outcome.workers["died_invocations"]:
            verdict.violations.append("an invocation ended without a result other than at the crash (its timeout?)")
        return {
            **point.as_dict(),
            "fired": crash.fired,
            "fired_at": crash.fired_at,
            "survived": crash.fired and verdict.ok,
            "status": outcome.result["status"],
            "error": outcome.result["error"],
            **_cost(outcome, self.reference),
            **verdict.as_dict(),
        }

    def crashes(self, points: Sequence[CrashPoint], parallel: int = 1) -> list[dict]:
        done = itertools.count(1)

        def run(point: CrashPoint) -> dict:
            row = self.crash(point)
            self.report("crash", next(done), len(points), point.id, row["survived"])
            return row

        if parallel <= 1:
            return [run(point) for point in points]
        with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="recovery") as pool:
            return list(pool.map(run, points))

    def scenarios(self, section: str) -> list[Scenario | NotApplicable]:
        return [s for s in scenarios_for(self.name) if s.section == section]

    def scenarios_all(self) -> list[Scenario]:
        return [s for s in scenarios_for(self.name) if isinstance(s, Scenario)]

    def section(self, section: str) -> dict:
        chosen = self.scenarios(section)
        rows = []
        for index, scenario in enumerate(chosen, 1):
            if isinstance(scenario, NotApplicable):
                rows.append({"scenario": scenario.name, "applicable": False, "reason": scenario.reason})
                self.report(section, index, len(chosen), f"{scenario.name} (not applicable)")
                continue
            row = self.scenario(scenario)
            rows.append(row)
            self.report(section, index, len(chosen), scenario.name, row["ok"] if scenario.judged else None)
        judged = [row for row in rows if row.get("applicable", True) and row.get("judged", True)]
        ran = [row for row in rows if row.get("applicable", True)]
        return {
            "scenarios": rows, "tried": len(judged), "passed": sum(row["ok"] for row in judged),
            # A job neither SUCCEEDED nor FAILED once every event and retry had run (the baseline's harness
            # calls a job left RUNNING "stuck").
            "stuck": sum(row["status"] not in ("SUCCEEDED", "FAILED") or row["error_kind"] == "stuck" for row in ran),
            "duplicate_outputs": sum(row["duplicate_output"] for row in ran),
        }

    def scenario(self, scenario: Scenario) -> dict:
        """One run of ``scenario`` (two jobs for a reused job id), checked and measured."""
        faults = scenario.faults()
        job_id = scenario.job_id or self.job_id(scenario.name.replace("_", "-"))
        video = oversized_video(Path(self._work_dir)) if scenario.video == "oversized" else self.video
        with self.open(faults, variant=scenario.variant) as harness:
            view = StoreView(harness.s3, harness.bucket)
            before = set(view.keys("output/")) | set(view.keys("work/"))
            first = None
            if scenario.submit == "reuse":
                first = harness.run(video, job_id)
                outcome = harness.run(video, job_id, name="another-input.mp4")
            elif scenario.submit == "event":
                outcome = harness.run(None, job_id, input_key=scenario.input_key(job_id))
            else:
                outcome = harness.run(video, job_id, submissions=scenario.submissions)
            writes = outcome.workers["output_writes"]
            verdict = check_run(outcome.result, expectation(scenario, self.reference.frames), view, job_id, writes)
            extra, violations = scenario_extra(scenario, outcome, self.settings)
            if first is not None:
                # The first job's output stays; the refused second job must not touch it.
                verdict.violations = [v for v in verdict.violations if "published by a failed job" not in v]
                outputs = view.output_keys(job_id)
                if first.result["status"] != "SUCCEEDED" or len(outputs) != 1 or writes \
                        or view.frames(outputs[0]) != self.reference.frames:
                    violations.append("the first job's output was not kept intact")
            if scenario.expect == "FAILED" and first is None:
                created = (set(view.keys("output/")) | set(view.keys("work/"))) - before
                if created:
                    violations.append(f"left {len(created)} new object(s): {sorted(created)[:3]}")
        if outcome.workers["died_invocations"]:
            violations.append("an invocation ended without a result (its timeout?)")
        verdict.violations += violations
        verdict.ok = not verdict.violations
        throttler = next((hook for hook in faults.session_hooks if isinstance(hook, Throttler)), None)
        if throttler is not None:
            extra.update(throttled_attempts=throttler.injected, http_attempts=throttler.attempts)
        if isinstance(faults.site_hook, CrashEvery):
            extra["crashes"] = faults.site_hook.crashes
            if not faults.site_hook.crashes:
                verdict.violations.append("the crash point was not reached")
                verdict.ok = False
        return {
            "scenario": scenario.name,
            "description": scenario.description,
            "applicable": True,
            "judged": scenario.judged,
            "note": scenario.note,
            "expected": scenario.expect,
            "status": outcome.result["status"],
            "error": outcome.result["error"],
            "error_kind": outcome.result["error_kind"],
            **_cost(outcome, self.reference),
            **verdict.as_dict(),
            **extra,
        }


def run_matrix(
    impl_name: str,
    *,
    mode: str = "sample",
    sample_size: int = DEFAULT_SAMPLE,
    points: Sequence[CrashPoint] | None = None,
    sections: Sequence[str] = SECTIONS,
    video: Path | None = None,
    settings: PipelineSettings | None = None,
    endpoint_url: str | None = None,
    work_dir: Path | None = None,
    dry_runs: int | None = None,
    parallel: int = 1,
    progress: Progress | None = None,
) -> dict:
    """The recovery figures of ``impl_name`` ("baseline" or "durable_ref"): what goes under
    ``implementations.NAME.recovery`` in report.json.

    ``mode`` "full" crashes at every point the fault-free run passed (before and after each operation);
    "sample" at ``sample_size`` of them spread over the job. ``points`` overrides both. ``sections`` picks
    the fault kinds (``SECTIONS``). Without ``video`` it makes the matrix input (``INPUT``); without
    ``endpoint_url`` it starts moto's server in a process of its own. ``dry_runs`` fault-free runs make the
    reference (default 1 for a sample, 3 for the full matrix); ``parallel`` runs that many crash points side
    by side (faster on an idle machine, noisier timings).
    """
    if mode not in ("sample", "full"):
        raise ValueError(f"mode must be 'sample' or 'full', not {mode!r}")
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")
    started = time.perf_counter()
    runs = dry_runs if dry_runs is not None else (3 if mode == "full" else 1)
    with RecoveryMatrix(impl_name, video=video, settings=settings, endpoint_url=endpoint_url, work_dir=work_dir,
                        dry_runs=runs, progress=progress) as matrix:
        recovery = {"mode": "points" if points is not None else mode, **matrix.summary()}
        if "crash" in sections:
            chosen = list(points) if points is not None else (
                matrix.points if mode == "full" else sample_points(matrix.points, sample_size))
            rows = matrix.crashes(chosen, parallel)
            recovery.update(summarise_crashes(rows, matrix.subject.functions))
            recovery["rows"] = rows
        for section in sections:
            if section != "crash":
                recovery[section] = matrix.section(section)
        recovery["call_sites"] = sites_to_list(matrix.call_sites.collect())
    recovery["seconds"] = round(time.perf_counter() - started, 1)
    return recovery


def run_recovery(
    implementations: Sequence[str] = ("baseline", "durable_ref"),
    *,
    progress: Progress | None = None,
    **options: Any,
) -> dict:
    """Both matrices on one moto server and one input: ``{"implementations": {NAME: {"recovery": ...}}}``."""
    with contextlib.ExitStack() as stack:
        if options.get("endpoint_url") is None:
            options["endpoint_url"] = stack.enter_context(moto_server_process())
        if options.get("work_dir") is None:
            options["work_dir"] = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="recovery-")))
        return {
            "implementations": {
                name: {"recovery": run_matrix(name, progress=progress, **options)} for name in implementations
            }
        }


@contextlib.contextmanager
def quiet_expected_failures() -> Iterator[None]:
    """The durable SDK and runner log every failed step and invocation, with tracebacks; in a matrix they
    are the injected faults, and each run's outcome says what happened. Workers inherit the levels."""
    loggers = [logging.getLogger(name) for name in QUIETED_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def matrix_settings() -> PipelineSettings:
    return dataclasses.replace(PipelineSettings(), chunk_seconds=INPUT["chunk_seconds"])


def matrix_input(directory: Path) -> Path:
    from media.synthetic import make_video

    path = Path(directory) / "recovery-input.mp4"
    if not path.exists():
        make_video(path, seconds=INPUT["seconds"], width=INPUT["width"], height=INPUT["height"], fps=INPUT["fps"],
                   keyframe_seconds=INPUT["keyframe_seconds"])
    return path


def fault_model(impl_name: str) -> dict:
    common = {
        "crash": "the worker process running the invocation ends with os._exit(137) at the point: no except, "
                 "finally or atexit runs; only what it had written to moto's server (and, durable, the runner's "
                 "checkpoint store) survives",
        "points": "before and after each storage operation of each invocation, one point per run, the first "
                  "invocation to reach it",
    }
    if impl_name == "baseline":
        return {**common, "retry": "Lambda's asynchronous retry: the event is run again, up to 2 more times, with "
                                   "the same request id, at once (AWS waits about 1 and 2 minutes)",
                "operations": "DynamoDB and S3 calls and Lambda invokes of each handler invocation"}
    return {**common, "retry": "the durable runner re-invokes the execution after a failed invocation, which "
                               "replays it from its checkpoints; its 5 s wait is set to 0 for the matrix",
            "operations": "S3 calls inside each step and each checkpoint call (identified by the update it "
                          "carries), of the orchestrator and of the encoder"}


def _cores() -> int:
    import os

    return os.cpu_count() or 1


def _cost(outcome: RunOutcome, reference: Reference) -> dict:
    workers = outcome.workers
    by_service = workers["operations_by_service"]
    return {
        "encodes": sum(workers["encodes"].values()),
        "storage_ops": workers["storage_ops"],
        "chunks_reencoded": sum(workers["encodes"].values()) - reference.chunks,
        "steps_reexecuted": sum(workers["work"].values()) - reference.work,
        "work": workers["work"],
        "extra_storage_ops": workers["storage_ops"] - reference.storage_ops,
        "extra_ops_by_service": {
            s: by_service.get(s, 0) - reference.by_service.get(s, 0) for s in sorted({*by_service, *reference.by_service})
        },
        "invocations": workers["invocations"],
        "extra_invocations": workers["invocations"] - reference.invocations,
        "crashed_invocations": workers["crashed_invocations"],
        "died_invocations": workers["died_invocations"],
        "duration_s": outcome.result["duration_s"],
        "recovery_s": round(outcome.result["duration_s"] - reference.duration_s, 3),
    }


def summarise_crashes(rows: Sequence[dict], functions: Sequence[str]) -> dict:
    reached = [row for row in rows if row["fired"]]
    cost = {}
    for figure in RECOVERY_COST_FIGURES:
        values = [row[figure] for row in reached]
        cost[figure] = {
            "median": _round(statistics.median(values)) if values else None,
            "max": _round(max(values)) if values else None,
            "total": _round(sum(values)) if values else None,
        }
    by_function = {}
    for function in functions:
        mine = [row for row in rows if row["function"] == function]
        if mine:
            by_function[function] = {
                "crash_points": len(mine),
                "survived": sum(row["survived"] for row in mine),
                "chunks_reencoded": sum(row["chunks_reencoded"] for row in mine if row["fired"]),
                "steps_reexecuted": sum(row["steps_reexecuted"] for row in mine if row["fired"]),
                "extra_storage_ops": _round(sum(row["extra_storage_ops"] for row in mine if row["fired"])),
            }
    return {
        "crash_points": len(rows),
        "reached": len(reached),
        "survived": sum(row["survived"] for row in rows),
        "lost_outputs": sum(1 for row in reached if row["status"] != "SUCCEEDED" or row["output_objects"] == 0
                            or row["frames_match"] is False),
        "duplicate_outputs": sum(row["duplicate_output"] for row in reached),
        "orphaned_work": sum(row["work_objects"] > 0 for row in reached),
        "not_survived": [row["id"] for row in rows if not row["survived"]],
        "recovery_cost": cost,
        "by_function": by_function,
    }


def _round(value: float) -> float:
    return round(value, 3) if isinstance(value, float) else value


