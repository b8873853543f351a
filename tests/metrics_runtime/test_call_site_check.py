"""The static/run-time cross-check: both pipelines run a tiny job with the operation counter on, and every
state I/O call they made must lie in a static ``state_io_call`` finding (and a conditional one in a
``conditional_write`` finding). Blinding the static analysis (dropping a finding) must show as missed."""
from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path

import pytest

from media import PipelineSettings
from media.synthetic import make_video
from metrics.report.call_site_check import CallSiteSection, entry_points, missed_sites, reconcile, reconcile_runs
from metrics.report.options import REPO_ROOT, ReportOptions
from metrics.report.render import _environment
from metrics.report.sections import ReportState
from metrics.runtime import measure_run
from metrics.runtime.call_sites import CallSite, Frame
from metrics.static import DEFAULT_EXCLUDES, StaticConfig, analyze_implementation, static_figures

PIPELINES = ("baseline", "durable_ref")


# -- the rules, on made-up chains ---------------------------------------------------------------------------

def _frame(root: Path, relative: str, line: int, function: str) -> Frame:
    return Frame(str(root / relative), line, function)


def _finding(kind: str, file: str, line: int, end_line: int | None = None, function: str = "f") -> dict:
    return {"kind": kind, "file": file, "line": line, "end_line": end_line or line, "function": function,
            "detail": ""}


def test_reconcile_rules_on_made_up_chains(tmp_path: Path) -> None:
    root = tmp_path / "impl"
    root.mkdir()
    (root / "template.yaml").write_text("Resources:\n  F:\n    Properties:\n      Handler: impl.handlers.handler\n")
    assert entry_points(root) == {("handlers.py", "handler")}
    outside = Frame(str(tmp_path / "elsewhere.py"), 1, "main")
    store = _frame(root, "store.py", 10, "put")
    sites = {
        # a wrapper's call, explained by the finding at its caller (line 20 within 19..21)
        CallSite("dynamodb", "UpdateItem", True, (store, _frame(root, "handlers.py", 20, "handler"),
                                                   _frame(root, "local/invoke.py", 5, "run"))): 3,
        # the same wrapper from a line no finding covers
        CallSite("s3", "GetObject", False, (store, _frame(root, "handlers.py", 40, "handler"))): 1,
        # conditional, with a state finding but no conditional_write finding
        CallSite("s3", "PutObject", True, (store, _frame(root, "handlers.py", 30, "handler"))): 2,
        # on a thread the deployed code started: no harness frame, so the workflow's
        CallSite("s3", "PutObject", False, (store, _frame(root, "work.py", 7, "<lambda>"))): 4,
        # the harness calling a deployed helper itself (the client's upload)
        CallSite("s3", "PutObject", False, (store, _frame(root, "local/run.py", 87, "upload"), outside)): 1,
        # an invocation, and a call that is not this implementation's
        CallSite("lambda", "Invoke", False, (_frame(root, "handlers.py", 50, "handler"),)): 1,
        CallSite("s3", "ListBuckets", False, (outside,)): 9,
    }
    findings = [_finding("state_io_call", "handlers.py", 19, 21), _finding("conditional_write", "handlers.py", 19, 21),
                _finding("state_io_call", "handlers.py", 30), _finding("state_io_call", "work.py", 7),
                _finding("state_io_call", "handlers.py", 60), _finding("try_block", "handlers.py", 40)]
    check = reconcile(root, findings, sites, excludes=DEFAULT_EXCLUDES)
    rows = {(r["operation"], r["via"] or r["line"]): r for r in check["sites"]}
    assert rows[("dynamodb.UpdateItem", "handlers.py:20")]["status"] == "explained"
    assert rows[("dynamodb.UpdateItem", "handlers.py:20")]["calls"] == 3
    assert rows[("dynamodb.UpdateItem", "handlers.py:20")]["condition"]["line"] == 19
    assert rows[("s3.GetObject", 10)]["status"] == "missed" and rows[("s3.GetObject", 10)]["file"] == "store.py"
    assert rows[("s3.PutObject", "handlers.py:30")]["status"] == "condition_missed"
    assert rows[("s3.PutObject", "work.py:7")]["status"] == "explained"
    assert len(check["sites"]) == 4
    harness = [(r["file"], r["entered_from"], r["calls"]) for r in check["harness_calls"]]
    assert harness == [("store.py", "local/run.py:87", 1)]
    assert [(r["operation"], r["calls"]) for r in check["invocations"]] == [("lambda.Invoke", 1)]
    assert [(f["kind"], f["line"]) for f in check["not_exercised"]] == [("state_io_call", 60)]
    summary = check["summary"]
    assert (summary["missed"], summary["missed_calls"], summary["runtime_calls"]) == (2, 3, 10)
    assert (summary["static_state_io_sites"], summary["static_state_io_confirmed"]) == (4, 3)
    assert (summary["static_conditional_sites"], summary["static_conditional_confirmed"]) == (1, 1)
    assert missed_sites(check) == ["store.py:10 put s3.GetObject: missed, 1 call(s)",
                                   "store.py:10 put s3.PutObject (conditional): condition_missed, 2 call(s)"]


# -- both pipelines ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """One 2 s 160x120 job of each pipeline (2 chunks of 1 s), measured; and each one's static findings."""
    video = Path(make_video(tmp_path_factory.mktemp("xcheck") / "tiny.mp4", seconds=2, width=160, height=120,
                            fps=30, keyframe_seconds=1))
    settings = dataclasses.replace(PipelineSettings(), chunk_seconds=1.0)
    out = {}
    for name in PIPELINES:
        local = importlib.import_module(f"{name}.local")
        measured = measure_run(local.run_local, video, settings=settings)
        assert measured["result"]["status"] == "SUCCEEDED" and measured["result"]["chunks"] == 2
        analysis = analyze_implementation(name, REPO_ROOT / name, StaticConfig())
        out[name] = {"counts": measured["counts"], "static": static_figures(analysis)}
    return out


def _check(runs: dict, name: str, findings: list[dict] | None = None) -> dict:
    run = runs[name]
    return reconcile(REPO_ROOT / name, run["static"]["findings"] if findings is None else findings,
                     run["counts"].sites, excludes=DEFAULT_EXCLUDES)


@pytest.mark.parametrize("name", PIPELINES)
def test_every_runtime_state_call_is_found_statically(runs, name) -> None:
    check = _check(runs, name)
    counts = runs[name]["counts"].without([("s3", "CreateBucket"), ("dynamodb", "CreateTable")])
    # every counted call is either a reconciled site or the harness's upload of the input
    assert check["summary"]["runtime_calls"] + check["summary"]["harness_calls"] == counts.total
    assert [(r["operation"], r["entered_from"].split(":")[0]) for r in check["harness_calls"]] == [
        ("s3.PutObject", {"baseline": "local/run.py", "durable_ref": "local/runner.py"}[name])]
    assert check["summary"]["runtime_sites"] >= 10
    assert missed_sites(check) == [], (
        f"the static analysis of {name} misses run-time state I/O sites (a detector bug):\n"
        + "\n".join(missed_sites(check)))


def test_baseline_conditional_writes_are_confirmed(runs) -> None:
    check = _check(runs, "baseline")
    conditional = [r for r in check["sites"] if r["conditional"]]
    # every DynamoDB write of the baseline is conditional, and the output's publish-once PUT (IfNoneMatch)
    assert {r["operation"] for r in conditional} == {"dynamodb.UpdateItem", "s3.PutObject"}
    assert all(r["condition"] is not None and r["condition"]["kind"] == "conditional_write" for r in conditional)
    publish, = [r for r in conditional if r["operation"] == "s3.PutObject"]
    assert publish["function"] == "Storage.publish_once" and publish["finding"]["file"] == "assemble.py"
    assert publish["finding"]["basis"] == "data flow"  # assemble.py calls the wrapper, storage.py calls S3
    delete, = [r for r in check["sites"] if r["operation"] == "s3.DeleteObjects"]
    assert delete["finding"]["basis"] == "syntax" and delete["via"] == f"storage.py:{delete['line']}"
    # the failure branches (a chunk's retry and failure, the job's failure) were not taken by this run
    idle = {(f["kind"], f["function"]) for f in check["not_exercised"]}
    assert ("conditional_write", "JobItems.fail") in idle and ("state_io_call", "ChunkItems.fail") in idle


@pytest.mark.parametrize("name", PIPELINES)
def test_a_blinded_static_analysis_shows_as_missed(runs, name) -> None:
    findings = runs[name]["static"]["findings"]
    check = _check(runs, name)
    busiest = max(check["sites"], key=lambda r: r["calls"])
    dropped = busiest["finding"]
    blinded = [f for f in findings if not (f["kind"] == "state_io_call" and f["file"] == dropped["file"]
                                            and f["line"] == dropped["line"])]
    assert len(blinded) == len(findings) - 1
    again = _check(runs, name, blinded)
    missed = [r for r in again["sites"] if r["status"] == "missed"]
    assert [(r["file"], r["line"], r["calls"]) for r in missed] == [
        (busiest["file"], busiest["line"], busiest["calls"])]
    assert again["summary"]["missed"] == 1 and len(missed_sites(again)) == 1


def test_a_dropped_conditional_write_finding_shows_as_a_missed_condition(runs) -> None:
    findings = runs["baseline"]["static"]["findings"]
    blinded = [f for f in findings if not (f["kind"] == "conditional_write" and f["function"] == "JobItems.start")]
    assert len(blinded) == len(findings) - 1
    again = _check(runs, "baseline", blinded)
    missed, = [r for r in again["sites"] if r["status"] != "explained"]
    assert missed["status"] == "condition_missed" and missed["finding"]["function"] == "JobItems.start"


def test_the_report_section_reconciles_and_shows_missed_in_red(runs, recovery) -> None:
    implementations = tuple((name, REPO_ROOT / name) for name in PIPELINES)
    report = {"implementations": {}, "sections": ["static", "runtime"]}
    for name in PIPELINES:
        counts = runs[name]["counts"]
        static = dict(runs[name]["static"])
        if name == "durable_ref":  # blind one finding to see it in red
            static["findings"] = [f for f in static["findings"]
                                  if not (f["kind"] == "state_io_call" and f["file"] == "encoder.py")]
        report["implementations"][name] = {
            "static": static, "runtime": {"storage_ops": counts.to_dict(), "workflow_storage_ops": counts.to_dict()},
            "recovery": {"mode": "sample", "call_sites": list(recovery[name]["recovery"]["call_sites"])}}
    state = ReportState(ReportOptions(implementations=implementations), report)
    CallSiteSection().build(state)
    assert report["sections"][-1] == "call_sites"
    for name in PIPELINES:
        entry = report["implementations"][name]
        # the raw chains are reconciled away
        assert "call_sites" not in entry["runtime"]["storage_ops"] and "call_sites" not in entry["recovery"]
        assert entry["call_sites"]["runs"] == ["default", "recovery (sample)"]
    assert report["implementations"]["baseline"]["call_sites"]["summary"]["missed"] == 0
    assert report["implementations"]["durable_ref"]["call_sites"]["summary"]["missed"] == 2  # encoder GET, PUT
    html = _environment(html=True).get_template("partials/call_sites.html.j2").render(report=report)
    assert html.count('<td class="site-missed">MISSED</td>') == 2
    assert "never exercised" in html and "confirmed at run time" in html and "recovery (sample): " in html
    markdown = _environment(html=False).get_template("partials/call_sites.md.j2").render(report=report)
    put = next(site for site in report["implementations"]["durable_ref"]["call_sites"]["sites"]
               if site["file"] == "storage.py" and site["operation"] == "s3.PutObject")
    assert markdown.count("**MISSED**") == 2 and f"`storage.py:{put['line']}` | upload | s3.PutObject" in markdown


# -- the recovery matrix's worker processes ------------------------------------------------------------------

@pytest.fixture(scope="module")
def recovery() -> dict:
    """Each pipeline's fault-free reference run of the recovery matrix (worker processes, moto's server),
    no crash point: its workers' call sites come back through the matrix's SiteSpool."""
    from metrics.recovery import run_recovery

    return run_recovery(PIPELINES, mode="sample", points=[], sections=("crash",))["implementations"]


@pytest.mark.parametrize("name", PIPELINES)
def test_worker_processes_call_sites_come_back_and_are_found_statically(runs, recovery, name) -> None:
    entry = recovery[name]["recovery"]
    sites = entry["call_sites"]
    # every DynamoDB and S3 call the workers reported to the harness was also recorded where it was made
    by_service = entry["reference"]["storage_ops_by_service"]
    assert sum(row["calls"] for row in sites) == by_service.get("dynamodb", 0) + by_service["s3"] > 0
    check = reconcile_runs(REPO_ROOT / name, runs[name]["static"]["findings"],
                           {"default": runs[name]["counts"].sites, "recovery (sample)": sites},
                           excludes=DEFAULT_EXCLUDES)
    assert check["runs"] == ["default", "recovery (sample)"]
    assert all(sum(row["calls_by_run"].values()) == row["calls"] for row in check["sites"])
    # the same job in worker processes takes the same paths through the code as in one process
    assert {(r["file"], r["line"], r["operation"]) for r in check["sites"] if r["calls_by_run"]["default"]} == \
        {(r["file"], r["line"], r["operation"]) for r in check["sites"] if r["calls_by_run"]["recovery (sample)"]}
    assert missed_sites(check) == [], (
        f"the static analysis of {name} misses state I/O sites the recovery workers ran (a detector bug):\n"
        + "\n".join(missed_sites(check)))


@pytest.fixture(scope="module")
def failure_paths() -> dict:
    """Each pipeline's every-delivery crashes and poison chunk: the failure handler, the clean-up branches and
    the refused claims, paths the happy run never takes."""
    from metrics.recovery import run_recovery

    return run_recovery(PIPELINES, mode="sample", points=[], sections=("every_delivery", "poison"))["implementations"]


@pytest.mark.parametrize("name", PIPELINES)
def test_failure_paths_call_sites_are_found_statically(runs, failure_paths, name) -> None:
    sites = failure_paths[name]["recovery"]["call_sites"]
    check = reconcile_runs(REPO_ROOT / name, runs[name]["static"]["findings"], {"failures": sites},
                           excludes=DEFAULT_EXCLUDES)
    # the failure paths reach sites the happy run does not (the clean-up listings, the failure handler's writes)
    default = reconcile_runs(REPO_ROOT / name, runs[name]["static"]["findings"],
                             {"default": runs[name]["counts"].sites}, excludes=DEFAULT_EXCLUDES)
    def placed(report: dict) -> set:  # a site with the static finding (its caller, for a wrapper) it matched
        return {(r["file"], r["line"], r["operation"], (r.get("finding") or {}).get("file"),
                 (r.get("finding") or {}).get("line")) for r in report["sites"]}
    assert placed(check) - placed(default)
    assert missed_sites(check) == [], (
        f"the static analysis of {name} misses state I/O sites its failure paths ran (a detector bug):\n"
        + "\n".join(missed_sites(check)))
