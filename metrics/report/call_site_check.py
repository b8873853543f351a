"""The static/run-time cross-check of state I/O: every AWS call a run made, at the place in the code that
made it, reconciled with the static analysis's ``state_io_call`` and ``conditional_write`` findings.

The run-time side comes from :class:`metrics.runtime.OpCounter` (``storage_ops.call_sites``: for each
distinct call, its operation, whether it carried a condition, and the chain of repository frames it came
through). For one implementation, with its root and the static analysis's excludes:

- a frame is *deployed* when its file lies under the root and no exclude matches it (the local harness,
  ``local/`` and ``__main__.py``, is excluded as the static analysis excludes it); it is *harness* when it lies
  under the root and an exclude matches it;
- a call's *site* is its innermost deployed frame; a call with no deployed frame is not this
  implementation's;
- a call is *made by the harness* when its chain holds a harness frame but no deployed entry point (a
  ``Handler:`` of the implementation's ``template.yaml``): the local harness called a deployed helper itself,
  as it does to upload the input for the client. A call on a thread the deployed code started holds no
  harness frame and counts as the workflow's. Harness calls are listed apart, not reconciled;
- Lambda ``Invoke`` calls are not state I/O: listed apart as invocations, not reconciled;
- a workflow call is *explained* when some frame of its chain lies within the lines of a ``state_io_call``
  finding of the same file (the static side counts the caller of a state wrapper, while the innermost frame
  is inside the wrapper); a conditional call must also have a frame within a ``conditional_write`` finding.
  Otherwise it is *missed*: a detector bug;
- a ``state_io_call`` or ``conditional_write`` finding that no explained call lies in was *not exercised* by
  the run (a path the run did not take, such as a failure branch, or a finding no call backs).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from metrics.runtime.call_sites import CallSite, Frame, merge_sites, sites_from_list

if TYPE_CHECKING:  # sections.py imports this module
    from .sections import ReportState

STATE_IO = "state_io_call"
CONDITIONAL = "conditional_write"
#: Services whose calls are invocations of functions, not state I/O.
INVOCATION_SERVICES = frozenset({"lambda"})
_HANDLER = re.compile(r"^\s*Handler:\s*([A-Za-z_][\w.]*)\s*$", re.MULTILINE)


def _excluded(relative: str, patterns: Sequence[str]) -> bool:
    # The static analysis's rule (metrics.static.discovery.is_excluded): a glob matches the path relative to
    # the root, or the same path below any directory of it.
    return any(fnmatchcase(relative, p) or fnmatchcase(relative, f"*/{p}") for p in patterns)


def entry_points(root: Path) -> frozenset[tuple[str, str]]:
    """(file relative to ``root``, function) of every ``Handler:`` in the root's ``template.yaml``."""
    template = Path(root) / "template.yaml"
    if not template.is_file():
        return frozenset()
    points = set()
    for dotted in _HANDLER.findall(template.read_text(encoding="utf-8")):
        *module, function = dotted.split(".")
        if module and module[0] == Path(root).name:
            module = module[1:]
        if module:
            points.add(("/".join(module) + ".py", function))
    return frozenset(points)


@dataclass(frozen=True)
class _Placed:
    """A frame placed in one implementation: its path relative to the root and whether it is deployed."""

    file: str
    line: int
    function: str
    deployed: bool


class CodeLayout:
    """One implementation's root, excludes and entry points: where each frame of a chain belongs."""

    def __init__(self, root: Path, excludes: Sequence[str], entries: Iterable[tuple[str, str]] | None = None):
        self.root = Path(root).resolve()
        self.excludes = tuple(excludes)
        self.entries = frozenset(entry_points(self.root) if entries is None else entries)

    def place(self, frame: Frame) -> _Placed | None:
        """None for a frame outside the root."""
        try:
            relative = Path(frame.file).resolve().relative_to(self.root).as_posix()
        except ValueError:
            return None
        return _Placed(relative, frame.line, frame.function, not _excluded(relative, self.excludes))

    def is_entry(self, placed: _Placed) -> bool:
        return placed.deployed and (placed.file, placed.function) in self.entries


def finding_basis(finding: Mapping[str, Any]) -> str:
    """How the static analysis found it, as it says itself (the finding's ``how``: ``syntax`` or
    ``data_flow``); an older report without it: ``data flow`` for a call resolved through a state wrapper
    (its detail names the wrapper), else ``syntax``."""
    how = finding.get("basis") or finding.get("how")
    if how:
        return str(how).replace("_", " ")
    return "data flow" if " through " in (finding.get("detail") or "") else "syntax"


def _finding_ref(finding: Mapping[str, Any]) -> dict[str, Any]:
    ref = {key: finding.get(key) for key in ("kind", "file", "line", "end_line", "function", "detail")}
    ref["basis"] = finding_basis(finding)
    return ref


def _covering(findings: Sequence[Mapping[str, Any]], kind: str,
              chain: Sequence[_Placed]) -> tuple[Mapping, _Placed] | None:
    """The finding of ``kind`` that the innermost possible frame of ``chain`` lies in, with that frame."""
    for placed in chain:
        if not placed.deployed:
            continue
        for finding in findings:
            if (finding["kind"] == kind and finding["file"] == placed.file
                    and finding["line"] <= placed.line <= (finding.get("end_line") or finding["line"])):
                return finding, placed
    return None


def _row_key(row: Mapping[str, Any]) -> tuple:
    return tuple(row[k] if not isinstance(row[k], dict) else tuple(sorted(row[k].items()))
                 for k in sorted(row) if k not in ("calls", "calls_by_run"))


def _add_row(rows: dict[tuple, dict], row: dict, calls: int) -> None:
    key = _row_key(row)
    if key in rows:
        rows[key]["calls"] += calls
    else:
        rows[key] = {**row, "calls": calls}


def reconcile(
    root: Path,
    findings: Sequence[Mapping[str, Any]],
    call_sites: Mapping[CallSite, int] | Sequence[Mapping[str, Any]],
    *,
    excludes: Sequence[str],
    entries: Iterable[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """The cross-check of one implementation: run-time sites with the finding that explains each (or
    ``missed``), calls made by the harness, invocations, and the static sites no call exercised."""
    sites = call_sites if isinstance(call_sites, Mapping) else sites_from_list(call_sites)
    layout = CodeLayout(root, excludes, entries)
    state_findings = [f for f in findings if f["kind"] in (STATE_IO, CONDITIONAL)]
    rows: dict[tuple, dict] = {}
    harness: dict[tuple, dict] = {}
    invocations: dict[tuple, dict] = {}
    exercised: set[tuple] = set()
    for site, calls in sites.items():
        placed = [p for p in (layout.place(f) for f in site.chain) if p is not None]
        deployed = [p for p in placed if p.deployed]
        if not deployed:
            continue
        inner = deployed[0]
        where = {"file": inner.file, "line": inner.line, "function": inner.function,
                 "operation": f"{site.service}.{site.operation}", "conditional": site.conditional}
        if site.service in INVOCATION_SERVICES:
            _add_row(invocations, where, calls)
            continue
        through_harness = any(not p.deployed for p in placed)
        if through_harness and not any(layout.is_entry(p) for p in deployed):
            entered = next(p for p in placed if not p.deployed)
            _add_row(harness, {**where, "entered_from": f"{entered.file}:{entered.line}"}, calls)
            continue
        state = _covering(state_findings, STATE_IO, placed)
        condition = _covering(state_findings, CONDITIONAL, placed) if site.conditional else None
        if state is None:
            status = "missed"
        elif site.conditional and condition is None:
            status = "condition_missed"
        else:
            status = "explained"
        for found in (state, condition):
            if found is not None:
                exercised.add(_identity(found[0]))
        row = {**where, "status": status,
               "finding": _finding_ref(state[0]) if state else None,
               "condition": _finding_ref(condition[0]) if condition else None,
               "via": f"{state[1].file}:{state[1].line}" if state else None}
        _add_row(rows, row, calls)
    not_exercised = [_finding_ref(f) for f in state_findings if _identity(f) not in exercised]
    ordered = sorted(rows.values(), key=lambda r: (r["file"], r["line"], r["operation"], _where(r["finding"])))
    static_sites = [f for f in state_findings if f["kind"] == STATE_IO]
    conditional_sites = [f for f in state_findings if f["kind"] == CONDITIONAL]
    return {
        "sites": ordered,
        "harness_calls": sorted(harness.values(), key=lambda r: (r["file"], r["line"], r["operation"])),
        "invocations": sorted(invocations.values(), key=lambda r: (r["file"], r["line"], r["operation"])),
        "not_exercised": sorted(not_exercised, key=lambda f: (f["file"], f["line"], f["kind"])),
        "summary": {
            "runtime_sites": len(ordered),
            "runtime_calls": sum(r["calls"] for r in ordered),
            "missed": sum(r["status"] != "explained" for r in ordered),
            "missed_calls": sum(r["calls"] for r in ordered if r["status"] != "explained"),
            "static_state_io_sites": len(static_sites),
            "static_state_io_confirmed": sum(_identity(f) in exercised for f in static_sites),
            "static_conditional_sites": len(conditional_sites),
            "static_conditional_confirmed": sum(_identity(f) in exercised for f in conditional_sites),
            "not_exercised": len(not_exercised),
            "harness_calls": sum(r["calls"] for r in harness.values()),
            "invocations": sum(r["calls"] for r in invocations.values()),
        },
    }


def reconcile_runs(
    root: Path,
    findings: Sequence[Mapping[str, Any]],
    runs: Mapping[str, Mapping[CallSite, int] | Sequence[Mapping[str, Any]]],
    *,
    excludes: Sequence[str],
    entries: Iterable[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """:func:`reconcile` of the calls of several runs together (a finding is exercised if any run exercised
    it), each row with its calls by run (``calls_by_run``) and ``runs`` naming the runs."""
    as_sites = {run: sites if isinstance(sites, Mapping) else sites_from_list(sites) for run, sites in runs.items()}
    check = reconcile(root, findings, merge_sites(*as_sites.values()), excludes=excludes, entries=entries)
    for run, sites in as_sites.items():
        alone = reconcile(root, findings, sites, excludes=excludes, entries=entries)
        for group in ("sites", "harness_calls", "invocations"):
            calls = {_row_key(row): row["calls"] for row in alone[group]}
            for row in check[group]:
                row.setdefault("calls_by_run", {})[run] = calls.get(_row_key(row), 0)
    check["runs"] = list(as_sites)
    return check


def _where(finding: Mapping[str, Any] | None) -> tuple[str, int]:
    return (finding["file"], finding["line"]) if finding else ("", 0)


def _identity(finding: Mapping[str, Any]) -> tuple:
    return finding["kind"], finding["file"], finding["line"], finding.get("end_line"), finding.get("function")


def missed_sites(check: Mapping[str, Any]) -> list[str]:
    """One line per run-time site the static analysis misses (empty when every call is explained)."""
    return [f"{r['file']}:{r['line']} {r['function']} {r['operation']}"
            f"{' (conditional)' if r['conditional'] else ''}: {r['status']}, {r['calls']} call(s)"
            for r in check["sites"] if r["status"] != "explained"]


#: How each figure of the section was obtained, shown beside it in the report.
METHOD = {
    "runtime": "confirmed at run time: each AWS call of the runs (the measured job; the recovery matrix's "
               "worker processes), recorded by a botocore hook with the chain of code frames on the calling "
               "thread's stack",
    "static": "the static analysis's findings, each marked syntax (the call is in the text) or data flow (a "
              "call of a state wrapper, counted at each of its callers)",
    "match": "a run-time call is explained when a frame of its chain lies in a state_io_call finding's lines "
             "(and, when it carried a condition, in a conditional_write finding's)",
}


def _runs_of(entry: Mapping[str, Any]) -> dict[str, list]:
    """The recorded call sites of one implementation's entry, by run: the run-time section's measured job
    ("default") and the recovery matrix's worker processes ("recovery (sample)" or "recovery (full)")."""
    runs = {}
    raw = (entry.get("runtime") or {}).get("storage_ops", {}).get("call_sites")
    if raw is not None:
        runs["default"] = raw
    recovery = entry.get("recovery") or {}
    if recovery.get("call_sites") is not None:
        runs[f"recovery ({recovery.get('mode', 'sample')})"] = recovery["call_sites"]
    return runs


class CallSiteSection:
    """implementations.NAME.call_sites: the cross-check, with the static findings, of the calls of the
    run-time section's measured job and of the recovery matrix's workers. Needs the static section and one
    of the others; the raw chains are dropped from those sections once reconciled (they hold absolute
    paths)."""

    name = "call_sites"

    def build(self, state: "ReportState") -> None:
        implementations = state.report["implementations"]
        built = False
        for name, path in state.options.implementations:
            entry = implementations[name]
            runs = _runs_of(entry)
            if "static" not in entry or not runs:
                continue
            check = reconcile_runs(Path(path), entry["static"]["findings"], runs, excludes=state.options.excludes)
            check["method"] = METHOD
            entry["call_sites"] = check
            for ops in ("storage_ops", "workflow_storage_ops"):
                (entry.get("runtime") or {}).get(ops, {}).pop("call_sites", None)
            (entry.get("recovery") or {}).pop("call_sites", None)
            built = True
        if built:
            state.report["sections"].append(self.name)
