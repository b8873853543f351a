"""The fault kinds besides the crash matrix: a crash on every delivery of one stage, duplicates, events out
of order, throttling, a poison chunk, bad input. Each scenario runs one job (two for a reused job id) in a
fresh harness and says what must hold.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .checks import Expectation
from .injectors import CrashEvery, Throttler
from .points import CrashPoint
from .subjects import Faults

#: The chunk made to fail on every attempt in the poison scenario.
POISON_CHUNK = 1
#: How many times a stage that dies is run before the job gives up: Lambda's asynchronous deliveries
#: (1 + 2 retries, then the failure handler); the durable steps' retry strategy, which counts an interrupted
#: attempt (StepSemantics.AT_MOST_ONCE_PER_RETRY) and allows PipelineSettings.max_stage_attempts (3) of them.
DELIVERIES = {"baseline": 3, "durable_ref": 3}


@dataclass(frozen=True)
class Scenario:
    section: str
    name: str
    description: str
    expect: str  # "SUCCEEDED" or "FAILED"
    variant: str = "plain"
    submissions: int = 1
    error_kind: str | None = None
    error_text: str | None = None
    #: Builds the run's faults; called once per run (injectors hold per-run shared counters).
    faults: Callable[[], Faults] = Faults
    #: How the job is submitted: "upload" (the usual), or a raw event built from the job id.
    submit: str = "upload"
    job_id: str | None = None
    input_key: Callable[[str], str] | None = None
    video: str = "default"  # "default" or "oversized"
    #: Counted among the pass/fail results (False: shown for information, e.g. an unprotected variant).
    judged: bool = True
    note: str | None = None


@dataclass
class NotApplicable:
    section: str
    name: str
    reason: str
    extra: dict = field(default_factory=dict)


#: The chunk whose encode dies on every delivery in the every-delivery scenario of the encode stage.
DYING_CHUNK = 1

#: Where each stage dies on every delivery (every attempt), per pipeline: after its first write where it
#: has one, so that the failure handling must also delete what the dead attempts left. Baseline: the n-th
#: storage operation or invoke of the stage's invocation; durable: the n-th S3 call of the stage's step.
EVERY_DELIVERY_POINTS = {
    "baseline": {
        "validate": CrashPoint("validate", "validate", 0, "dynamodb.UpdateItem", "after"),  # job item created
        "chunk": CrashPoint("chunk", "chunk", 2, "s3.PutObject", "after"),  # a chunk uploaded
        "encode": CrashPoint("encode", "encode", 1, "s3.GetObject", "after"),  # the chunk read
        "assemble": CrashPoint("assemble", "assemble", 1, "s3.GetObject", "after"),  # a part read
    },
    "durable_ref": {
        "validate": CrashPoint("orchestrator", "validate", 0, "s3.GetObject", "after"),
        "chunk": CrashPoint("orchestrator", "chunk", 1, "s3.PutObject", "after"),
        "encode": CrashPoint("encoder", "encode", 0, "s3.GetObject", "after"),
        "assemble": CrashPoint("orchestrator", "assemble", 1, "s3.GetObject", "after"),
    },
}


def _dying(implementation: str, stage: str) -> Callable[[], Faults]:
    point = EVERY_DELIVERY_POINTS[implementation][stage]
    chunk = DYING_CHUNK if stage == "encode" else None
    return lambda: Faults(site_hook=CrashEvery(point, chunk=chunk))


def every_delivery(implementation: str, attempts: int) -> list[Scenario]:
    """A crash at the same place on every delivery of one stage (of one chunk's encode): the job must end
    FAILED with the agreed reason, publish nothing and leave no work objects."""
    scenarios = []
    for stage in ("validate", "chunk", "encode", "assemble"):
        if stage == "encode":
            kind, text = "chunk_failed", f"chunk {DYING_CHUNK} failed after {attempts} attempts: "
            what = f"the encode of chunk {DYING_CHUNK}"
        else:
            kind, what = "stage_failed", f"stage {stage}"
            text = f"stage {stage} did not finish after {attempts} attempts"
        scenarios.append(Scenario("every_delivery", f"{stage}_dies_every_time",
                                  f"{what} dies at the same place on every delivery", "FAILED",
                                  error_kind=kind, error_text=text, faults=_dying(implementation, stage),
                                  note=EVERY_DELIVERY_NOTES[implementation]))
    return scenarios


EVERY_DELIVERY_NOTES = {
    "baseline": "After Lambda's third delivery the event goes to the OnFailure destination, the failure handler "
                "(baseline/dead_letter.py), which fails the job with the reason and deletes its work objects.",
    "durable_ref": "Steps run at most once per retry, so an invocation that died inside a step counts as a failed "
                   "attempt of it; after the last attempt the step fails inside a live invocation, whose except "
                   "branch runs the clean-up step and fails the execution with the reason.",
}


def _throttling() -> Faults:
    return Faults(session_hooks=(Throttler(rate=0.1),))


def _poison() -> Faults:
    return Faults(poison=frozenset({POISON_CHUNK}))


def _traversal_key(job_id: str) -> str:
    return f"input/{job_id}/../../output/{job_id}.mp4"


def _odd_key(job_id: str) -> str:
    return f"input/{job_id}/in\nput;$(touch x)|.mp4"


COMMON_BAD_INPUT = [
    Scenario("bad_input", "over_resolution_limit", "an input over the resolution limit (3856x2176 > 3840x2160)",
             "FAILED", error_kind="limit_exceeded", video="oversized"),
    Scenario("bad_input", "key_path_traversal", "an input key that climbs out of input/{job}/ with '..'",
             "FAILED", error_kind="invalid_request", submit="event", input_key=_traversal_key),
    Scenario("bad_input", "key_odd_characters", "an input key with a newline, ';', '$(...)' and '|'",
             "FAILED", error_kind="invalid_request", submit="event", input_key=_odd_key),
    Scenario("bad_input", "job_id_path_traversal", "a job id with '../' (it would become part of every key)",
             "FAILED", error_kind="invalid_request", submit="event", job_id="../../output/x",
             input_key=lambda job_id: "input/x/input.mp4"),
    Scenario("bad_input", "job_id_odd_characters", "a job id with spaces, ';' and a non-ASCII letter",
             "FAILED", error_kind="invalid_request", submit="event", job_id="jöb 1;rm -rf",
             input_key=lambda job_id: "input/x/input.mp4"),
    Scenario("bad_input", "job_id_reused", "a job id used again for another input, after its first job succeeded",
             "FAILED", error_kind="job_id_conflict", error_text="already used for another input", submit="reuse"),
]


def scenarios_for(implementation: str) -> list[Scenario | NotApplicable]:
    if implementation == "baseline":
        duplicates = [
            Scenario("duplicates", "every_event_twice", "every event delivered twice (each copy its own request id)",
                     "SUCCEEDED", variant="duplicates"),
            Scenario("duplicates", "submitted_twice_at_once", "the same job submitted twice at once",
                     "SUCCEEDED", submissions=2),
        ]
        out_of_order = [
            Scenario("out_of_order", "stale_duplicates", "a second copy of every event arrives when a later stage "
                     "has started (validate during chunk, chunk during the encodes, encodes during assemble)",
                     "SUCCEEDED", variant="stale_duplicates"),
            Scenario("out_of_order", "late_duplicates", "a second copy of every event arrives after the job "
                     "ended, newest first", "SUCCEEDED", variant="late_duplicates"),
        ]
    else:
        duplicates = [
            Scenario("duplicates", "submitted_twice_at_once", "the submission delivered twice at once, with "
                     "DurableExecutionName = job id (Lambda returns the existing execution)", "SUCCEEDED",
                     submissions=2),
            Scenario("duplicates", "submitted_twice_unnamed", "the submission delivered twice without an execution "
                     "name (the invoke shown in README.md, section 'The durable reference')", "SUCCEEDED", submissions=2, variant="unnamed",
                     judged=False, note="Without DurableExecutionName each delivery starts its own execution: "
                     "the job runs twice on the same S3 keys."),
        ]
        out_of_order = [
            NotApplicable("out_of_order", "events_out_of_order", "No events pass between the durable functions: "
                          "the service invokes an execution one invocation at a time (its invocation gate) and "
                          "hands results over through checkpoints, so there is no queue to reorder. Encoder "
                          "completions arriving in any order are part of every run (the map waits for all)."),
        ]
    throttling = [
        Scenario("throttling", "throttled_10_percent", "10 % of DynamoDB and S3 HTTP attempts answered with "
                 "ProvisionedThroughputExceededException / ThrottlingException / SlowDown", "SUCCEEDED",
                 faults=_throttling),
    ]
    poison = [
        Scenario("poison", "poison_chunk", f"chunk {POISON_CHUNK} fails on every encode attempt", "FAILED",
                 error_kind="chunk_failed", error_text=f"chunk {POISON_CHUNK} failed after", faults=_poison),
    ]
    return [*every_delivery(implementation, DELIVERIES[implementation]), *duplicates, *out_of_order, *throttling,
            *poison, *COMMON_BAD_INPUT]


def expectation(scenario: Scenario, frames: tuple[str, ...]) -> Expectation:
    if scenario.expect == "SUCCEEDED":
        return Expectation("SUCCEEDED", frames=frames)
    return Expectation("FAILED", error_kind=scenario.error_kind, error_text=scenario.error_text)


def oversized_video(directory: Path) -> Path:
    """A tiny video just over the default resolution limit (3840x2160)."""
    from media.synthetic import make_video

    path = directory / "oversized.mp4"
    if not path.exists():
        make_video(path, seconds=0.1, width=3856, height=2176, fps=30, audio=False, keyframe_seconds=None)
    return path


def scenario_extra(scenario: Scenario, outcome: Any, settings: Any) -> tuple[dict, list[str]]:
    """Scenario-specific figures and violations (bounded retries of the poison chunk)."""
    workers = outcome.workers
    extra: dict = {}
    violations: list[str] = []
    if scenario.section == "poison":
        attempts = workers["encodes"].get(POISON_CHUNK, 0)
        extra["poison_chunk_attempts"] = attempts
        if attempts != settings.max_chunk_attempts:
            violations.append(f"poison chunk encoded {attempts} times, expected {settings.max_chunk_attempts}")
    if "executions" in outcome.result:
        extra["executions"] = outcome.result["executions"]
        extra["execution_statuses"] = outcome.result.get("execution_statuses")
    return extra, violations
