"""Each injected fault kind besides single crashes, on both pipelines: a crash on every delivery of one
stage, duplicates, events out of order (baseline), throttling, a poison chunk and bad input."""
from __future__ import annotations

import pytest

from metrics.recovery import RecoveryMatrix
from metrics.recovery.scenarios import COMMON_BAD_INPUT, DYING_CHUNK, POISON_CHUNK, Scenario


def _scenario(matrix: RecoveryMatrix, name: str) -> Scenario:
    found = [s for s in matrix.scenarios_all() if s.name == name]
    assert len(found) == 1, name
    return found[0]


def _run(matrix: RecoveryMatrix, name: str) -> dict:
    return matrix.scenario(_scenario(matrix, name))


def _assert_one_clean_success(row: dict) -> None:
    assert row["ok"], row["violations"]
    assert row["status"] == "SUCCEEDED" and row["frames_match"] and row["output_objects"] == 1
    assert row["output_writes"] == 1 and row["work_objects"] == 0


STAGES = ("validate", "chunk", "encode", "assemble")


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_dying_on_every_delivery_fails_the_job_with_its_reason(matrix: RecoveryMatrix, stage: str) -> None:
    """Baseline: Lambda's three deliveries, then the failure handler. Durable: three interrupted attempts of
    the step, then its retry strategy fails it inside an invocation that cleans up."""
    row = _run(matrix, f"{stage}_dies_every_time")
    assert row["ok"], row["violations"]
    assert row["crashes"] == 3
    if stage == "encode":
        assert (row["error"], row["error_kind"]) == (
            f"chunk {DYING_CHUNK} failed after 3 attempts: its encoder stopped before finishing (timeout or crash)",
            "chunk_failed")
    else:
        assert (row["error"], row["error_kind"]) == (f"stage {stage} did not finish after 3 attempts", "stage_failed")
    assert row["output_objects"] == row["output_writes"] == row["work_objects"] == 0


def test_baseline_every_event_delivered_twice_runs_each_chunk_once(baseline_matrix: RecoveryMatrix) -> None:
    row = _run(baseline_matrix, "every_event_twice")
    _assert_one_clean_success(row)
    assert row["encodes"] == baseline_matrix.reference.chunks and row["steps_reexecuted"] == 0
    assert row["invocations"] >= 2 * baseline_matrix.reference.invocations


def test_same_job_submitted_twice_at_once_runs_once(matrix: RecoveryMatrix) -> None:
    row = _run(matrix, "submitted_twice_at_once")
    _assert_one_clean_success(row)
    assert row["encodes"] == matrix.reference.chunks
    if matrix.name == "durable_ref":
        assert row["executions"] == 1  # the execution name returned the running execution


def test_durable_submission_twice_without_a_name_runs_the_job_twice(durable_matrix: RecoveryMatrix) -> None:
    row = _run(durable_matrix, "submitted_twice_unnamed")
    assert not row["judged"] and row["executions"] == 2
    assert row["encodes"] == 2 * durable_matrix.reference.chunks  # every chunk encoded by both executions


@pytest.mark.parametrize("name", ["stale_duplicates", "late_duplicates"])
def test_baseline_events_out_of_order_change_nothing(baseline_matrix: RecoveryMatrix, name: str) -> None:
    row = _run(baseline_matrix, name)
    _assert_one_clean_success(row)
    assert row["encodes"] == baseline_matrix.reference.chunks
    # Every event was delivered a second time, late.
    assert row["invocations"] >= 2 * baseline_matrix.reference.invocations



def test_throttling_is_absorbed_by_the_clients_retries(matrix: RecoveryMatrix) -> None:
    row = _run(matrix, "throttled_10_percent")
    _assert_one_clean_success(row)
    assert row["throttled_attempts"] == row["http_attempts"] // 10 > 0


def test_a_poison_chunk_fails_the_job_after_bounded_attempts(matrix: RecoveryMatrix) -> None:
    row = _run(matrix, "poison_chunk")
    assert row["ok"], row["violations"]
    assert (row["status"], row["error_kind"]) == ("FAILED", "chunk_failed")
    attempts = matrix.settings.max_chunk_attempts
    assert row["error"].startswith(f"chunk {POISON_CHUNK} failed after {attempts} attempts: ")
    assert row["poison_chunk_attempts"] == attempts
    assert row["output_objects"] == 0 and row["work_objects"] == 0


@pytest.mark.parametrize("scenario", COMMON_BAD_INPUT, ids=lambda s: s.name)
def test_bad_input_fails_with_a_clear_reason_and_no_output(matrix: RecoveryMatrix, scenario: Scenario) -> None:
    row = matrix.scenario(scenario)
    assert row["ok"], row["violations"]
    assert (row["status"], row["error_kind"]) == ("FAILED", scenario.error_kind)
    assert row["error"] and row["encodes"] == 0
    if scenario.name != "job_id_reused":
        assert row["output_objects"] == 0 and row["work_objects"] == 0
