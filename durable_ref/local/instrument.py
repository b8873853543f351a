"""Watch the deployable functions from outside: every invocation and every real step execution, timed.

A seam replaces a module's ``@durable_step`` factory, for the duration of a ``with`` block, with one whose
steps run inside a hook. The deployable code is untouched and the SDK sees the same step names. Replayed
steps are not executed, so they never reach a hook.

A second seam wraps each function's ``handler`` (the object the local runner calls, once per invocation:
the first one, every replay after a suspension or a failed attempt, every encoder invocation), so that an
invocation is timed from entry to return or raise, as Lambda bills it and as the baseline's local invoker
times each delivery. The harness must read ``orchestrator.handler`` and ``encoder.handler`` inside the
``with`` block.
"""
from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterator
from unittest import mock

from aws_durable_execution_sdk_python import StepContext

from .. import encoder, orchestrator

#: Function name (its handler's module, as in the template's ``Handler``) -> module holding ``handler``.
HANDLER_MODULES: dict[str, Any] = {"orchestrator": orchestrator, "encoder": encoder}

#: Stage name -> (module, attribute) of the step factory that does that stage's work.
STEP_FACTORIES: dict[str, tuple[Any, str]] = {
    "validate": (orchestrator, "validate_step"),
    "chunk": (orchestrator, "chunk_step"),
    "encode": (encoder, "encode_step"),
    "assemble": (orchestrator, "assemble_step"),
    "cleanup": (orchestrator, "discard_work_step"),
}
#: Stage -> the function whose invocations run its step.
STAGE_FUNCTIONS: dict[str, str] = {
    stage: next(name for name, handler_module in HANDLER_MODULES.items() if handler_module is module)
    for stage, (module, _) in STEP_FACTORIES.items()
}

Hook = Callable[[StepContext, tuple, Callable[[], Any]], Any]


def around(factory: Callable, hook: Hook) -> Callable:
    """A step factory like ``factory`` whose steps run as ``hook(step_context, args, run_original)``."""

    @functools.wraps(factory)
    def hooked_factory(*args: Any, **kwargs: Any) -> Callable[[StepContext], Any]:
        step = factory(*args, **kwargs)

        def run(step_context: StepContext) -> Any:
            return hook(step_context, args, lambda: step(step_context))

        run._original_name = step._original_name  # type: ignore[attr-defined]  # the SDK names steps by it
        return run

    return hooked_factory


def chunk_index(args: tuple) -> int:
    return args[1]  # encode_step(job_id, index, frames)


@dataclass(frozen=True)
class StepRun:
    stage: str
    chunk: int | None
    attempt: int
    start: float
    end: float
    ok: bool
    #: Part of the run spent waiting for one of the machine's cores, which is not encoding time.
    waited_s: float = 0.0

    @property
    def seconds(self) -> float:
        return self.end - self.start - self.waited_s


def run_timed(
    stage: str,
    step_context: StepContext,
    args: tuple,
    run: Callable[[], Any],
    take_wait_s: Callable[[], float],
    report: Callable[[StepRun], None],
) -> Any:
    """``run()`` one execution of a ``stage`` step and ``report`` it as a ``StepRun``, whether it returned
    or raised; ``take_wait_s`` gives this thread's wait for a core since its last call."""
    take_wait_s()
    start, ok = time.perf_counter(), False
    try:
        result = run()
        ok = True
        return result
    finally:
        end, waited = time.perf_counter(), take_wait_s()
        chunk = chunk_index(args) if stage == "encode" else None
        report(StepRun(stage, chunk, step_context.attempt, start, end, ok, waited))


@dataclass(frozen=True)
class InvocationRun:
    """One call of a function's handler by the runner, entry to return or raise (wall time: the waits of its
    steps for a core are inside it, see :meth:`StepRecorder.core_wait_s`)."""

    function: str
    execution_arn: str | None
    start: float
    end: float
    ok: bool

    @property
    def seconds(self) -> float:
        return self.end - self.start


class StepRecorder:
    """Every real execution of a stage's step, with its wall time (replayed steps do not run), and every
    invocation of a function's handler.

    ``take_wait_s`` returns the seconds the calling thread waited for a core since its last call (see
    ``local_aws.cores.EncodeLanes``); that wait is left out of a step's time, and reported by function so that it
    can be left out of the invocations' time too. (The SDK runs a handler's code on a thread pool of its
    own, started in a fresh context, so a step cannot be traced back to its invocation by thread or
    context; every step of a stage runs inside an invocation of the function whose module holds the stage's
    step, so the function's total is exact.)"""

    def __init__(self, take_wait_s: Callable[[], float] = lambda: 0.0) -> None:
        self.runs: list[StepRun] = []
        self.invocations: list[InvocationRun] = []
        self.take_wait_s = take_wait_s
        self._lock = threading.Lock()

    def timed_handler(self, function: str, handler: Callable) -> Callable:
        """``handler`` timed per call; each call is recorded as an :class:`InvocationRun` of ``function``."""

        @functools.wraps(handler)
        def timed(event: Any, context: Any) -> Any:
            start, ok = time.perf_counter(), False
            try:
                response = handler(event, context)
                ok = True
                return response
            finally:
                end = time.perf_counter()
                arn = getattr(event, "durable_execution_arn", None)
                with self._lock:
                    self.invocations.append(InvocationRun(function, arn, start, end, ok))

        return timed

    def invocation_seconds(self) -> dict[str, list[float]]:
        """Each function's invocations, wall seconds, in the order they ended."""
        seconds: dict[str, list[float]] = defaultdict(list)
        for run in self.invocations:
            seconds[run.function].append(round(run.seconds, 4))
        return dict(seconds)

    def core_wait_s(self) -> dict[str, float]:
        """Seconds the steps of each function waited for one of this machine's cores, in all: time inside
        its invocations that Lambda, giving every invocation its own vCPU, would not bill."""
        waits: dict[str, float] = {}
        for step_run in self.runs:
            function = STAGE_FUNCTIONS.get(step_run.stage)
            if function is not None and step_run.waited_s:
                waits[function] = round(waits.get(function, 0.0) + step_run.waited_s, 4)
        return waits

    def execution_functions(self) -> dict[str, str]:
        """Durable execution ARN -> the function whose handler runs it."""
        return {run.execution_arn: run.function for run in self.invocations if run.execution_arn}

    def invocation_figures(self) -> dict[str, Any]:
        """The run's JSON fields of the handler seam: ``invocation_seconds``, ``invocation_core_wait_s`` and
        ``execution_functions``."""
        return {"invocation_seconds": self.invocation_seconds(), "invocation_core_wait_s": self.core_wait_s(),
                "execution_functions": self.execution_functions()}

    def hook(self, stage: str) -> Hook:
        def record(step_context: StepContext, args: tuple, run: Callable[[], Any]) -> Any:
            return run_timed(stage, step_context, args, run, self.take_wait_s, self.add)

        return record

    def add(self, step_run: StepRun) -> None:
        with self._lock:
            self.runs.append(step_run)

    def executions(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for step_run in self.runs:
            counts[step_run.stage] += 1
        return dict(counts)

    def chunk_attempts(self, chunks: int) -> list[int]:
        attempts = [0] * chunks
        for step_run in self.runs:
            if step_run.chunk is not None and step_run.chunk < chunks:
                attempts[step_run.chunk] += 1
        return attempts

    def chunk_latency_s(self, chunks: int) -> list[float]:
        """Seconds spent encoding each chunk, over all its attempts."""
        seconds = [0.0] * chunks
        for step_run in self.runs:
            if step_run.chunk is not None and step_run.chunk < chunks:
                seconds[step_run.chunk] += step_run.seconds
        return [round(value, 4) for value in seconds]

    def stage_latency_s(self) -> dict[str, float | None]:
        """Per stage, from its first step start to its last step end (for encode: across all chunks)."""
        latency: dict[str, float | None] = {}
        for stage in ("validate", "chunk", "encode", "assemble"):
            runs = [step_run for step_run in self.runs if step_run.stage == stage]
            latency[stage] = round(max(r.end for r in runs) - min(r.start for r in runs), 4) if runs else None
        return latency


@contextlib.contextmanager
def recording(take_wait_s: Callable[[], float] = lambda: 0.0) -> Iterator[StepRecorder]:
    recorder = StepRecorder(take_wait_s)
    with contextlib.ExitStack() as patches:
        for stage, (module, attribute) in STEP_FACTORIES.items():
            factory = getattr(module, attribute)
            patches.enter_context(mock.patch.object(module, attribute, around(factory, recorder.hook(stage))))
        for function, module in HANDLER_MODULES.items():
            timed = recorder.timed_handler(function, module.handler)
            patches.enter_context(mock.patch.object(module, "handler", timed))
        yield recorder
