"""Which of the recovery matrix's faults apply to a Step Functions design, and which have no equivalent.

In a Step Functions workflow the orchestrator is the service: it records every state entered and left in
the execution history and retries or catches a failed task by the definition's Retry and Catch blocks. So
the crash points the matrix puts on our side between two stages (the baseline's stage hand-over writes
and invokes, the durable orchestrator's checkpoint calls) have no counterpart: no code of ours runs
between states. What remains on our side is inside the Lambda tasks: a task can die before or after each
of its S3 calls, as the durable steps can.

The matrix drives a pipeline through a process-based harness whose workers really die (``Harness`` in
``subjects.py``); :data:`MISSING_HARNESS_HOOKS` names what a Step Functions harness must offer before it
can be a third subject. Until then the report shows this table for it instead of measured runs.
"""
from __future__ import annotations

from typing import Any

#: (fault kind, applies, what it is in a Step Functions design)
FAULT_KINDS: tuple[tuple[str, bool, str], ...] = (
    ("task crash before/after each S3 call of a task", True,
     "a Lambda task dies mid-work; the Task state fails (Lambda.Unknown / States.TaskFailed) and its Retry "
     "runs the task again"),
    ("crash between stages (hand-over writes, invokes of the next stage)", False,
     "no equivalent: the service moves from state to state; no code of ours runs there"),
    ("crash of the orchestrator (replay, checkpoint calls)", False,
     "no equivalent: there is no orchestrator function; the execution history is the service's"),
    ("crash on every delivery of one stage", True,
     "every attempt of a Task state fails: the retrier's MaxAttempts runs out, the Catch path cleans up and "
     "the execution fails with the reason"),
    ("duplicate submissions", True,
     "StartExecution with the job id as the execution name: a second start of a running or finished "
     "execution with the same input is refused (ExecutionAlreadyExists) or returns the same execution"),
    ("events out of order", False,
     "no equivalent: the service invokes each task synchronously, in the definition's order"),
    ("throttling", True,
     "S3 throttling inside a task (the tasks' own retries), and Lambda.TooManyRequestsException on the "
     "Task state (a retrier)"),
    ("poison chunk", True, "a Map iteration fails on every attempt: the Map fails, the Catch path runs"),
    ("bad input", True, "the Validate task raises a media error that no retrier lists: caught, the job fails"),
)

#: What the matrix needs of a Step Functions harness (``stepfunctions_ref.local``) that the run_local
#: interface of issue 12 does not give (``faults`` fails a chunk once or always, nothing more).
MISSING_HARNESS_HOOKS: tuple[str, ...] = (
    "a process-based runner (like durable_ref.local.processes.ProcessRunner): each Lambda task invocation in "
    "a worker process that can be killed mid-work, against moto in server mode (endpoint_url), with "
    "upload(video, job_id, name), submit(job_id, input_key), wait(...), result(...)",
    "WorkerOptions(site_hook, session_hooks, poison, timeout_s): a hook called before and after every S3 "
    "call of a task with a Site(function, scope, step, when, operation), so that crash points can be "
    "enumerated from a fault-free run and hit by CrashOnce / CrashEvery",
    "session_hooks on each task's boto3 Session (throttling injected by metrics.recovery.Throttler)",
    "per-invocation records (WorkerStats.invocations: function, started, sites, outcome) for recovery cost",
    "a submission variant without the execution name (to show the duplicate without the job-id dedupe)",
)


def applicability() -> dict[str, Any]:
    """``implementations.NAME.recovery_applicability`` of a Step Functions implementation."""
    return {
        "measured": False,
        "reason": "the recovery matrix has no Step Functions subject yet: its harness lacks the hooks listed",
        "fault_kinds": [{"fault": fault, "applies": applies, "in_step_functions": meaning}
                        for fault, applies, meaning in FAULT_KINDS],
        "no_equivalent": [fault for fault, applies, _ in FAULT_KINDS if not applies],
        "missing_harness_hooks": list(MISSING_HARNESS_HOOKS),
    }
