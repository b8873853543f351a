"""A Step Functions implementation in the recovery section: not run through the matrix (its harness lacks
the hooks), but given the table of which faults apply and which have no equivalent, in every format."""
from __future__ import annotations

from pathlib import Path

from metrics.recovery.step_functions import FAULT_KINDS, applicability
from metrics.report.options import ReportOptions
from metrics.report.recovery_section import RecoveryOptions, RecoverySection
from metrics.report.sections import ReportState
from metrics.report.render import _environment

FAKE = Path(__file__).resolve().parents[1] / "metrics_static" / "fixtures" / "pipeline_stepfunctions"


def _state(mode: str) -> ReportState:
    options = ReportOptions(implementations=(("lam", Path("lam")), ("sfn", FAKE)),
                            extra={"recovery": RecoveryOptions(mode=mode)})
    report = {"implementations": {"lam": {"static": {"definition": {"files": 0}}},
                                  "sfn": {"static": {"definition": {"files": 1}}}}, "sections": []}
    return ReportState(options, report)


def test_the_orchestrator_side_crash_points_have_no_equivalent():
    table = applicability()
    assert table["measured"] is False
    assert table["no_equivalent"] == [
        "crash between stages (hand-over writes, invokes of the next stage)",
        "crash of the orchestrator (replay, checkpoint calls)",
        "events out of order"]
    applies = [row["fault"] for row in table["fault_kinds"] if row["applies"]]
    assert len(applies) + len(table["no_equivalent"]) == len(FAULT_KINDS) == 9
    assert any("poison" in fault for fault in applies) and any("bad input" in fault for fault in applies)
    assert len(table["missing_harness_hooks"]) == 5


def test_only_an_implementation_with_a_definition_gets_the_table_and_no_matrix_runs():
    state = _state("sample")
    RecoverySection().build(state)  # neither is a matrix subject: nothing runs
    implementations = state.report["implementations"]
    assert "recovery_applicability" in implementations["sfn"]
    assert "recovery_applicability" not in implementations["lam"]
    assert "recovery" not in state.report["sections"]
    off = _state("off")
    RecoverySection().build(off)
    assert "recovery_applicability" not in off.report["implementations"]["sfn"]


def test_both_partials_render_the_table():
    state = _state("sample")
    RecoverySection().build(state)
    for suffix, marker in (("md", "| events out of order | no equivalent |"),
                           ("html", "<td class=\"label\">events out of order</td><td class=\"label\">no equivalent</td>")):
        template = _environment(suffix == "html").get_template(f"partials/recovery.{suffix}.j2")
        text = template.render(report=state.report)
        assert "sfn: not measured" in text and marker in text
        assert "site_hook" in text
