"""Crash points: where a worker process is made to die, enumerated from a fault-free run.

A point names a site by what it is, not by when it happens, so that it means the same thing in every run:

- baseline: the n-th storage operation or invoke of an invocation of a stage ("encode", step 2), before
  or after it;
- durable: the n-th S3 call within a step's execution ("assemble", call 5), before or after it, or the
  checkpoint call that carries a given update ("chunk:SUCCEED"), before or after it.

The first invocation that reaches the point dies there, once per run; every other invocation runs on.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Iterable, Sequence

WHEN = ("before", "after")


@dataclass(frozen=True)
class CrashPoint:
    #: Baseline: the stage. Durable: "orchestrator" or "encoder".
    function: str
    #: Baseline: the stage. Durable: the step running ("validate", ...) or "checkpoint".
    scope: str
    #: Index of the operation within the invocation (baseline) or the step's execution (durable S3);
    #: None for a checkpoint point, which is matched by the update it carries.
    step: int | None
    #: The operation the fault-free run made there ("dynamodb.UpdateItem", "s3.PutObject", "checkpoint...").
    operation: str
    when: str
    #: A checkpoint point: the update, "NAME:ACTION".
    update: str | None = None

    @property
    def id(self) -> str:
        where = f"[{self.update}]" if self.update is not None else f"#{self.step}"
        return f"{self.function}/{self.scope}{where}:{self.when}"

    def matches(self, site: Any) -> bool:
        """True at a site (``baseline.local.processes.Site`` or ``durable_ref.local.processes.Site``) of this point."""
        if site.function != self.function or site.when != self.when or site.scope != self.scope:
            return False
        if self.update is not None:
            return self.update in getattr(site, "details", ())
        return site.step == self.step

    def as_dict(self) -> dict:
        return {"id": self.id, **asdict(self)}


def enumerate_points(invocations: Iterable[Any], functions: Sequence[str]) -> list[CrashPoint]:
    """Every point the invocations of a fault-free run passed, before and after each operation: by
    function (in the order of ``functions``), then in the order the job first reached them. ``invocations``
    are the harness's records, each with ``function``, ``started`` and ``sites`` [(scope, step, operation,
    details)]."""
    seen: dict[tuple, tuple[str, str, int | None, str, str | None]] = {}
    for record in sorted(invocations, key=lambda r: r.started):
        for scope, step, operation, details in record.sites:
            if scope == "checkpoint":
                for update in details:
                    seen.setdefault((record.function, scope, update), (record.function, scope, None, operation, update))
            else:
                seen.setdefault((record.function, scope, step), (record.function, scope, step, operation, None))
    ordered = list(seen.values())
    # Calls made in parallel (a handler's uploads, invokes) report in any order: within one scope the
    # numbered operations take the places they reached first, in the order of their numbers.
    groups: dict[tuple[str, str], list[int]] = {}
    for position, (function, scope, step, *_) in enumerate(ordered):
        if step is not None:
            groups.setdefault((function, scope), []).append(position)
    for positions in groups.values():
        for position, point in zip(positions, sorted((ordered[i] for i in positions), key=lambda p: p[2])):
            ordered[position] = point
    rank = {function: index for index, function in enumerate(functions)}
    ordered.sort(key=lambda p: rank.get(p[0], len(functions)))  # stable: job order within a function
    return [CrashPoint(f, scope, step, op, when, update) for f, scope, step, op, update in ordered for when in WHEN]


def sample_points(points: Sequence[CrashPoint], size: int) -> list[CrashPoint]:
    """``size`` points spread evenly over the operations of ``points``, before and after in turn (all of
    them when there are no more than that)."""
    if size >= len(points):
        return list(points)
    if size <= 0:
        return []
    operations = list(dict.fromkeys(replace(point, when=WHEN[0]) for point in points))
    stride = len(operations) / size
    chosen = [operations[min(int(i * stride + stride / 2), len(operations) - 1)] for i in range(size)]
    return [replace(point, when=WHEN[i % 2]) for i, point in enumerate(chosen)]
