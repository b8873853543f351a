"""The two pipelines as the recovery matrix drives them: each through its process-based local harness
(``baseline.local.processes``, ``durable_ref.local.processes``), one job at a time, with the faults of a
run given as a site hook, session hooks (throttling) and poison chunks."""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from media import PipelineSettings


@dataclass(frozen=True)
class Faults:
    site_hook: Callable[[Any], None] | None = None
    session_hooks: Sequence[Callable[[Any], None]] = ()
    poison: frozenset[int] = frozenset()


@dataclass
class RunOutcome:
    result: dict
    #: The harness's invocation records (function, sites, outcome...) of this run.
    invocations: list = field(default_factory=list)

    @property
    def workers(self) -> dict:
        return self.result["workers"]


class Harness:
    """One open harness (resources, invoker or runner) on which jobs run one after another."""

    def run(self, video: Path | None, job_id: str, *, input_key: str | None = None, name: str | None = None,
            submissions: int = 1, output: Path | None = None) -> RunOutcome: ...

    @property
    def bucket(self) -> str: ...


class BaselineSubject:
    name = "baseline"
    functions = ("validate", "chunk", "encode", "assemble")
    #: Delivery variants: every event twice, stale duplicates mid-run, late duplicates after the end.
    variants = ("plain", "duplicates", "stale_duplicates", "late_duplicates")

    @contextlib.contextmanager
    def open(self, endpoint_url: str, settings: PipelineSettings, faults: Faults = Faults(), *,
             variant: str = "plain", cpu: Any = None, timeout_s: float = 900.0) -> Iterator["_BaselineHarness"]:
        from baseline.local.invoker import LocalInvoker
        from baseline.local.processes import ProcessPipeline, WorkerOptions
        from baseline.local.reorder import LateDuplicatesInvoker, StaleDuplicatesInvoker

        factories = {"plain": LocalInvoker, "duplicates": LocalInvoker,
                     "stale_duplicates": StaleDuplicatesInvoker, "late_duplicates": LateDuplicatesInvoker}
        options = WorkerOptions(site_hook=faults.site_hook, session_hooks=tuple(faults.session_hooks),
                                poison=faults.poison, timeout_s=timeout_s)
        with ProcessPipeline(endpoint_url, settings=settings, options=options,
                             copies=2 if variant == "duplicates" else 1, invoker_factory=factories[variant],
                             cpu=cpu) as pipeline:
            yield _BaselineHarness(pipeline)


class _BaselineHarness(Harness):
    def __init__(self, pipeline: Any) -> None:
        self.pipeline = pipeline

    @property
    def bucket(self) -> str:
        return self.pipeline.config.bucket

    @property
    def s3(self) -> Any:
        return self.pipeline.s3

    def run(self, video: Path | None, job_id: str, *, input_key: str | None = None, name: str | None = None,
            submissions: int = 1, output: Path | None = None) -> RunOutcome:
        from baseline.local.processes import WorkerStats

        self.pipeline.stats = WorkerStats()
        if input_key is None:
            input_key = self.pipeline.upload(Path(video), job_id, name)
        started = time.perf_counter()
        for _ in range(submissions):
            self.pipeline.submit(job_id, input_key)
        self.pipeline.wait()
        result = self.pipeline.result(job_id, input_key, output, time.perf_counter() - started)
        return RunOutcome(result, list(self.pipeline.stats.invocations))


class DurableSubject:
    name = "durable_ref"
    functions = ("orchestrator", "encoder")
    #: Submission variants: named by the job id (Lambda's DurableExecutionName), or unnamed.
    variants = ("plain", "unnamed")

    @contextlib.contextmanager
    def open(self, endpoint_url: str, settings: PipelineSettings, faults: Faults = Faults(), *,
             variant: str = "plain", cpu: Any = None, timeout_s: float = 900.0) -> Iterator["_DurableHarness"]:
        from durable_ref.local.processes import ProcessRunner, WorkerOptions

        options = WorkerOptions(site_hook=faults.site_hook, session_hooks=tuple(faults.session_hooks),
                                poison=faults.poison, timeout_s=timeout_s)
        with ProcessRunner(endpoint_url, settings=settings, options=options, cpu=cpu) as runner:
            yield _DurableHarness(runner, execution_name=None if variant == "unnamed" else "")


class _DurableHarness(Harness):
    def __init__(self, runner: Any, execution_name: str | None) -> None:
        self.runner = runner
        self.execution_name = execution_name

    @property
    def bucket(self) -> str:
        return self.runner.config.bucket

    @property
    def s3(self) -> Any:
        return self.runner.s3

    def run(self, video: Path | None, job_id: str, *, input_key: str | None = None, name: str | None = None,
            submissions: int = 1, output: Path | None = None) -> RunOutcome:
        from durable_ref.local.processes import DurableExecutionNameTaken, WorkerStats

        self.runner.stats = WorkerStats()
        if input_key is None:
            input_key = self.runner.upload(Path(video), job_id, name)
        started = time.perf_counter()
        try:
            arns = [self.runner.submit(job_id, input_key, execution_name=self.execution_name)
                    for _ in range(submissions)]
        except DurableExecutionNameTaken as refused:
            return RunOutcome(_refused(job_id, str(refused), time.perf_counter() - started, self.runner.stats))
        executions = list(dict.fromkeys(arns))
        for arn in executions:
            self.runner.wait(arn)
        result = self.runner.result(executions[0], job_id, output, time.perf_counter() - started)
        result["executions"] = len(executions)
        result["execution_statuses"] = [self.runner.store.load(arn).close_status.value for arn in executions]
        return RunOutcome(result, list(self.runner.stats.invocations))


def _refused(job_id: str, error: str, seconds: float, stats: Any) -> dict:
    """What the client sees when Lambda refuses the execution name (DurableExecutionAlreadyStartedException)."""
    return {
        "status": "FAILED", "error": error, "error_kind": "job_id_conflict", "job_id": job_id, "chunks": None,
        "input_frames": None, "output_frames": None, "duration_s": round(seconds, 4), "output": None,
        "output_key": None, "executions": 0, "workers": stats.as_dict(),
    }


SUBJECTS = {subject.name: subject for subject in (BaselineSubject(), DurableSubject())}
