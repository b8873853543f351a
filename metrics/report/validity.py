"""The report's threats to validity: where its figures could be wrong, and which design each error favours.

Each threat is data: a category (what is local and would differ on AWS, which figures are heuristics, what
the baseline does that production code might not, the asymmetries between the two sides still open), the
figures it touches, which side it favours (makes look better than it would be on AWS) and why. A threat
may carry an ``evidence`` function that reads this run's report and quotes what was measured, so that the
section states the size of an effect where the run shows it. Add a threat by adding a :class:`Threat` to
``THREATS``; the section and its partials render whatever is there.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

#: Category -> heading, in the order the section lists them.
CATEGORIES: dict[str, str] = {
    "local_vs_aws": "Local stand-ins vs AWS",
    "heuristic": "Heuristic figures",
    "baseline_beyond_production": "What the baseline does that production code might not",
    "open_asymmetry": "Open asymmetries between the two sides",
}
#: Who a threat favours: the side whose figures it makes look better than they would on AWS.
FAVOURS: dict[str, str] = {
    "baseline": "favours the baseline (explicit state)",
    "durable_ref": "favours the durable reference",
    "stepfunctions_ref": "favours the Step Functions reference",
    "neither": "favours neither side",
    "unclear": "direction unclear",
}

Evidence = Callable[[Mapping[str, Any]], "str | None"]


@dataclass(frozen=True)
class Threat:
    id: str
    category: str
    title: str
    #: What could be wrong, and why.
    detail: str
    #: The figures or sections it touches.
    affects: tuple[str, ...]
    favours: str
    #: Why it favours that side (or why the direction is unclear).
    direction: str
    evidence: Evidence | None = None

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"threat {self.id}: unknown category {self.category!r}")
        if self.favours not in FAVOURS:
            raise ValueError(f"threat {self.id}: unknown direction {self.favours!r}")

    def to_dict(self, report: Mapping[str, Any]) -> dict[str, Any]:
        return {"id": self.id, "category": self.category, "title": self.title, "detail": self.detail,
                "affects": list(self.affects), "favours": self.favours, "direction": self.direction,
                "evidence": self.evidence(report) if self.evidence else None}


def _runtime(report: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    return ((report.get("implementations") or {}).get(name) or {}).get("runtime")


def _cores(report: Mapping[str, Any]) -> str | None:
    machine = (report.get("runtime") or {}).get("machine")
    if not machine:
        return None
    load = machine.get("load_average_before") or [None]
    return (f"this run: {machine['cpu_count']} cores, load average {load[0]:.2f} before the runs"
            if load[0] is not None else f"this run: {machine['cpu_count']} cores")


def _orchestrator_overhead(report: Mapping[str, Any]) -> str | None:
    """The durable orchestrator's billed seconds against the time its own steps ran."""
    runtime = _runtime(report, "durable_ref")
    functions = ((runtime or {}).get("lambda") or {}).get("by_function") or {}
    stages = (runtime or {}).get("stage_latency_s") or {}
    if "orchestrator" not in functions or not all(stages.get(s) for s in ("validate", "chunk", "assemble")):
        return None
    billed = functions["orchestrator"]["billed_seconds"]
    steps = stages["validate"] + stages["chunk"] + stages["assemble"]
    return (f"this run: the orchestrator's {functions['orchestrator']['requests']} invocations were billed "
            f"{billed:.2f} s, its validate, chunk and assemble steps took {steps:.2f} s")


def _state_calls(report: Mapping[str, Any]) -> str | None:
    base, durable = _runtime(report, "baseline"), _runtime(report, "durable_ref")
    if not base or not durable:
        return None
    dynamodb = base["workflow_storage_ops"]["by_service"].get("dynamodb", 0)
    checkpoints = (durable.get("durable") or {}).get("checkpoint_calls")
    return f"this run: baseline {dynamodb} DynamoDB calls; durable_ref {checkpoints} checkpoint calls"


def _invocations(report: Mapping[str, Any]) -> str | None:
    parts = []
    for name in ("baseline", "durable_ref"):
        functions = ((_runtime(report, name) or {}).get("lambda") or {}).get("by_function") or {}
        if functions:
            parts.append(f"{name} {sum(f['requests'] for f in functions.values())} invocations")
    return f"this run: {', '.join(parts)}" if parts else None


def _retention(report: Mapping[str, Any]) -> str | None:
    settings = (report.get("runtime") or {}).get("cost_settings") or {}
    base, durable = settings.get("baseline"), settings.get("durable_ref")
    if not base or not durable:
        return None
    durable_days = ", ".join(f"{f} {d:g}" for f, d in durable["function_durable_retention_days"].items())
    return (f"priced: baseline items {base['state_retention_days']:g} days; durable histories "
            f"{durable_days or format(durable['durable_retention_days'], 'g')} days")


THREATS: tuple[Threat, ...] = (
    # -- local stand-ins vs AWS ---------------------------------------------------------------------------
    Threat(
        "moto-latency", "local_vs_aws", "moto answers in microseconds where DynamoDB and S3 take milliseconds",
        "The baseline's state calls go to moto in this process (serialised by one lock to make conditional "
        "writes atomic, as DynamoDB's are). On AWS each DynamoDB call takes a few milliseconds and each S3 "
        "request tens, inside the billed invocation.",
        ("end-to-end latency", "Lambda billed seconds", "compute cost"), "baseline",
        "moto's near-zero latency shortens the baseline's DynamoDB calls, which the durable side does not "
        "make (its checkpoint calls are the local-runner threat; S3 media calls are alike on both sides)",
        _state_calls),
    Threat(
        "local-runner", "local_vs_aws", "the durable service is the SDK's local test runner",
        "Checkpoints, replays and chained invokes go to the testing package's in-memory runner in this "
        "process: a checkpoint call costs no network round trip, but the runner's own scheduling, polling "
        "and thread hand-offs run inside the invocations it times, and it decides when to re-invoke a "
        "suspended orchestrator (the service may wait, batch or resume on another host).",
        ("Lambda billed seconds", "end-to-end latency", "replays"), "unclear",
        "free checkpoint round trips favour the durable side, the runner's in-process overhead inside each "
        "orchestrator and encoder invocation counts against it",
        _orchestrator_overhead),
    Threat(
        "two-cores", "local_vs_aws", "a small machine stands in for many Lambda instances",
        "Every encode of both pipelines shares this machine's cores (one encode per core at a time); on AWS "
        "each invocation has its own vCPU. Waits for a core are left out of billed seconds, but the "
        "invocations of each harness run as threads of one process and still compete for the interpreter "
        "lock and memory bandwidth (the durable harness also runs the runner's threads there).",
        ("end-to-end latency", "process / monolithic ratio", "Lambda billed seconds"), "unclear",
        "contention inflates every in-process invocation on both sides; by how much on each is not measured",
        _cores),
    Threat(
        "no-cold-start", "local_vs_aws", "no cold starts, no INIT billing, no asynchronous queue delay",
        "Functions here are imported once and stay warm; Lambda bills an invocation's INIT phase and queues "
        "asynchronous events. The baseline hands work on with 3 + N asynchronous invokes; the durable side "
        "with N chained invokes and one resumed orchestrator per suspension.",
        ("end-to-end latency", "compute cost"), "unclear",
        "both sides make about N + 3 invocations a job, so neither gains much; the per-hand-off delays of "
        "the two services are not measured here", _invocations),
    # -- heuristic figures --------------------------------------------------------------------------------
    Threat(
        "sampled-peaks", "heuristic", "peak state bytes are sampled",
        "The bucket and the table are sampled every 0.25 s or less often; a peak shorter than the pause is "
        "missed. Checkpoint bytes are exact (the log only grows).",
        ("external state at peak", "largest DynamoDB item"), "baseline",
        "only the baseline's state has short peaks (its job item shrinks as chunks finish), so only its "
        "peaks can be understated"),
    Threat(
        "request-units", "heuristic", "DynamoDB request units and item sizes are computed, not reported",
        "moto reports no consumed capacity: units and item sizes follow AWS's published sizing rules "
        "(numbers about one byte per two digits, 1 KB write units, transactions double).",
        ("DynamoDB write and read units", "workflow state cost"), "unclear",
        "an error in the sizing moves only the baseline's figures, in either direction"),
    Threat(
        "durable-billing-rules", "heuristic", "durable operations and data written are counted by our reading "
        "of the pricing rules",
        "Operations are counted from the runner's operation log (a step 1 + retries, a map 1 + branches); "
        "data written is the checkpoint payloads' text plus error JSON. The service may count envelopes, "
        "metadata or history events we do not see.",
        ("durable operations", "checkpointed bytes", "workflow state cost"), "durable_ref",
        "anything the service bills beyond the payloads is missing from the durable side only"),
    Threat(
        "projection", "heuristic", "the projection to ExCamera's scale is a straight line",
        "Per-chunk figures are least-squares lines over a short sweep of a small input, extended to 3,552 "
        "chunks; compute is not projected (the sweep's input is 320x180, ExCamera's is 4K).",
        ("sweep", "projection", "quotas met"), "neither",
        "both sides are fitted and extended the same way"),
    Threat(
        "static-attribution", "heuristic", "finding kinds and line attribution rest on a bounded data-flow "
        "analysis",
        "Calls, request arguments and receivers are resolved by data flow inside each implementation (bindings, "
        "dictionaries and merges, helpers up to 5 calls deep, module constants, boto3 client and resource "
        "types); what it cannot resolve falls back to names and is labelled 'syntax'. Which lines count as state "
        "management or error handling follows from those findings, not from reading intent. The state I/O "
        "and conditional-write sites are confirmed against the calls the runs made (the call-site section).",
        ("static complexity", "lines by what they do"), "unclear",
        "a misclassified line moves whichever side holds it; equivalent rewrites of both sides are tested to "
        "give the same counts"),
    Threat(
        "step-functions-line", "heuristic", "the Step Functions line beside the Lambda designs is a reference",
        "For baseline and durable_ref the Step Functions line counts the transitions a state machine of the "
        "same workflow would take (4 states plus one per chunk, plus retries); stepfunctions_ref's own "
        "transitions are measured from its execution history.",
        ("Step Functions reference",), "neither", "it is shown beside the Lambda designs and priced the same way"),
    Threat(
        "step-functions-interpreter", "local_vs_aws", "the state machine runs on moto's ASL interpreter",
        "stepfunctions_ref's states run in moto's interpreter, in this process, with the Retry intervals "
        "skipped: its transitions and history events follow the service's event types (7 events per Map "
        "iteration, 3 more per retry), but the service's own latency per transition and the retry waits are "
        "not in its local times.",
        ("end-to-end latency", "failure recovery time"), "stepfunctions_ref",
        "on AWS every transition and every retry wait adds time that the local run does not pay"),
    Threat(
        "inline-map-concurrency", "open_asymmetry", "an Inline Map runs at most 40 encodes at once on AWS",
        "The definition asks for MaxConcurrency 100, as the other designs cap their fan-out, but an Inline "
        "Map runs at most 40 iterations at once on AWS (Distributed mode, with child executions, goes "
        "further); locally moto starts them all and the capacity gate holds them to the machine's cores.",
        ("scaling", "end-to-end latency above 40 chunks"), "stepfunctions_ref",
        "above 40 chunks the deployed state machine encodes fewer chunks at once than the other designs, "
        "which the local runs do not show"),
    # -- the baseline beyond production -------------------------------------------------------------------
    Threat(
        "baseline-defences", "baseline_beyond_production", "the baseline defends against every failure Lambda "
        "can deliver",
        "Every handler is idempotent under duplicate and out-of-order delivery: conditional writes on every "
        "transition, leases, per-chunk attempt counts, a publish-once output that remembers its input, clean-up "
        "of work/ objects and a failure handler for the events Lambda gave up on. Much production code of this shape relies on luck for some of these.",
        ("static complexity", "storage operations", "workflow state cost"), "durable_ref",
        "a less careful explicit-state pipeline would be smaller and make fewer state calls (and fail in "
        "the cases the recovery section breaks it in)"),
    Threat(
        "baseline-harness", "baseline_beyond_production", "the baseline's local harness is stricter than Lambda "
        "needs it to be",
        "Its local invoker retries and re-delivers events as Lambda may, and its moto is serialised for "
        "atomic conditional writes; that code is harness, excluded from the static figures by default.",
        ("static complexity",), "neither",
        "both harnesses are excluded the same way; only the deployed code is measured"),
    # -- open asymmetries ---------------------------------------------------------------------------------
    Threat(
        "memory-sizes", "open_asymmetry", "the durable orchestrator runs every non-encode stage at one memory "
        "size",
        "The baseline sizes each function for its stage (validate 1024 MB, chunk and assemble 2048 MB); the "
        "durable orchestrator runs validate, chunk, assemble and every replay at its own size. Each side is "
        "priced as its template deploys it.",
        ("compute cost",), "baseline",
        "the orchestrator's validate stage and its replays are billed at the larger size"),
    Threat(
        "retention-periods", "open_asymmetry", "the two sides keep their state for different periods",
        "The baseline's job and chunk items live for its TTL, its leftover work/ objects for the bucket's "
        "lifecycle rule; durable executions for each function's RetentionPeriodInDays. Each is priced as "
        "deployed, so part of the difference in state storage cost is configuration, not design.",
        ("workflow state cost",), "unclear",
        "it favours whichever side keeps its state for less time (see the cost settings)", _retention),
    Threat(
        "wait-for-all", "open_asymmetry", "a failed chunk ends the durable job only after every chunk settles",
        "The durable map waits for all encoders (CompletionConfig.all_completed) before it fails the job: its "
        "encoders cannot see the job's state, so failing early would let the clean-up race running encoders "
        "and leave orphaned parts. The baseline fails the job at once and each late encoder deletes its own "
        "part when it finds the job FAILED.",
        ("failure recovery time", "compute cost of a failed job"), "baseline",
        "a failed durable job pays for encoding the chunks still running, and ends later"),
    Threat(
        "fan-out-cap", "open_asymmetry", "the fan-out caps have the same size but different scopes",
        "Both cap concurrent encodes at 100 by default: the durable map per job (MaxConcurrency, an SDK "
        "setting), the baseline per account and function (the encode function's reserved concurrency, "
        "template parameter MaxParallelEncodes), shared by all running jobs; Lambda holds back and retries the "
        "asynchronous events beyond it with its throttling back-off, which the local harness does not model.",
        ("scaling", "end-to-end latency above 100 chunks"), "unclear",
        "one job alone: the same cap; many jobs at once: the baseline's shared cap slows each job, the durable "
        "per-job cap does not bound the account's total; the local runs (10 chunks by default) reach neither"),
    Threat(
        "retry-backoff", "open_asymmetry", "retries wait differently",
        "Durable steps retry after 2 s, doubling, with jitter, each retry a re-invocation; the baseline "
        "retries a failed encode at once inside the same invocation and leaves other errors to Lambda's "
        "asynchronous retries, which AWS spaces minutes apart (locally the harness re-delivers at once).",
        ("failure recovery time", "Lambda billed seconds"), "unclear",
        "locally the baseline's redeliveries are immediate, which favours it in recovery time; on AWS its "
        "asynchronous retries would be slower than the durable back-off"),
    Threat(
        "dedupe-window", "open_asymmetry", "duplicate submissions are recognised by different records",
        "The durable side dedupes a job id by its execution name for the execution's retention (14 days), "
        "the baseline by its job item for the item's TTL; after that both compare the input identity kept in "
        "the published output's metadata, so a job id reused for another input fails with job_id_conflict on "
        "both. A job that failed and whose records expired can be run again on both sides.",
        ("failure recovery",), "neither", "the same guarantee, kept by different records"),
    Threat(
        "warm-runs", "open_asymmetry", "compared runs start warm",
        "Before the timed runs compare.py compiles the project's bytecode and runs one tiny job of each "
        "pipeline, unmeasured, so that no timed run pays alone for the first run's compilation and cold "
        "disk reads after an install. A first run on AWS pays a cold start instead, which is not modelled.",
        ("whole process time", "process / monolithic ratio"), "neither",
        "both sides are warmed the same way"),
)


def validity_section(report: Mapping[str, Any], threats: tuple[Threat, ...] = THREATS) -> dict[str, Any]:
    """``report["validity"]``: every threat with this run's evidence, grouped by category, and counts of
    the directions."""
    rows = [threat.to_dict(report) for threat in threats]
    by_favours = {favours: sum(row["favours"] == favours for row in rows) for favours in FAVOURS}
    return {
        "categories": [{"id": category, "title": title, "threats": [r for r in rows if r["category"] == category]}
                       for category, title in CATEGORIES.items()],
        "favours_labels": dict(FAVOURS),
        "counts_by_favours": by_favours,
        "threats": len(rows),
    }


class ValiditySection:
    """report.validity: the threats to validity of this report (always built, whatever else ran)."""

    name = "validity"

    def build(self, state: Any) -> None:
        state.report["validity"] = validity_section(state.report)
        state.report["sections"].append(self.name)
