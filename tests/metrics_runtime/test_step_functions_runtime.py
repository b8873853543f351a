"""A Step Functions run in the run-time figures: measured transitions priced, history events as state
writes, payload bytes as workflow state, compute by function from the template; on the fake
implementation of tests/metrics_static/fixtures/pipeline_stepfunctions, whose figures are known by hand."""
from __future__ import annotations

import importlib
import io
import sys
from pathlib import Path

import pytest

from metrics.report.pipeline_process import run_measured_process
from metrics.runtime import load_prices
from metrics.runtime.deployment import cost_settings_of
from metrics.runtime.measure import measure_run, runtime_figures, sweep_point

FAKE = Path(__file__).resolve().parents[1] / "metrics_static" / "fixtures" / "pipeline_stepfunctions"


@pytest.fixture(scope="module")
def fake_local():
    sys.path.insert(0, str(FAKE.parent))
    try:
        yield importlib.import_module("pipeline_stepfunctions.local")
    finally:
        sys.path.remove(str(FAKE.parent))


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sfn") / "in.mp4"
    path.write_bytes(b"v" * 1000)
    return path


@pytest.fixture(scope="module")
def runtime(fake_local, video) -> dict:
    measured = measure_run(fake_local.run_local, video, sample_interval_s=0.02)
    return runtime_figures(measured, load_prices(), cost_settings_of(FAKE))


def test_transitions_are_measured_and_priced(runtime, fake_local):
    transitions = fake_local.state_transitions(3)  # 8
    assert runtime["step_functions"] == {
        "state_transitions": transitions, "execution_history_events": fake_local.history_events(3),
        "state_writes": fake_local.history_events(3), "state_payload_bytes": 100 * transitions,
        "largest_state_payload_bytes": 100, "map_max_concurrency": 100}
    items = {i["item"]: i for i in runtime["cost_usd"]["breakdown"]}
    assert items["stepfunctions_transitions"]["quantity"] == transitions
    assert items["stepfunctions_transitions"]["usd"] == pytest.approx(transitions * 0.025 / 1000)
    assert items["stepfunctions_transitions"]["category"] == "workflow_state"
    # The measured line replaces the hypothetical one.
    line = runtime["step_functions_reference_usd"]
    assert line["basis"] == "measured" and line["transitions"] == transitions
    assert line["per_1000_videos_usd"] == pytest.approx(transitions * 0.025)
    assert items["durable_operations"]["quantity"] == 0 and runtime["durable"] is None


def test_payload_bytes_are_workflow_state_and_control_calls_no_storage_ops(runtime):
    end = runtime["state_bytes"]["end"]
    assert end["state_payload_bytes"] == 800 and end["checkpointed_bytes"] == 0
    assert end["external_state_bytes"] == end["dynamodb_item_bytes"] + end["s3_workflow_state_bytes"] + 800
    assert runtime["storage_ops"]["by_service"]["stepfunctions"] == 1  # every call is still counted...
    # ...but the workflow's storage operations are S3's: 1 input + 3 chunks + 1 output put, 3 deletes.
    assert runtime["workflow_storage_ops"]["by_service"] == {"s3": 8}
    point = sweep_point(runtime)
    assert (point["state_transitions"], point["state_payload_bytes"]) == (8, 800)


def test_compute_is_priced_function_by_function_from_the_template(runtime):
    rows = {row["function"]: row for row in runtime["cost_usd"]["lambda_functions"]}
    assert {name: row["memory_mb"] for name, row in rows.items()} == {
        "assemble": 512, "chunk": 1024, "encode": 2048, "validate": 512}
    assert rows["encode"]["gb_seconds"] == pytest.approx(3.0 * 2)
    assert rows["validate"]["gb_seconds"] == pytest.approx(0.5 * 0.5)
    assert runtime["lambda"]["invocations"] == 6 and runtime["lambda"]["billed_seconds_basis"] == "measured"


def test_a_baseline_shaped_run_keeps_the_reference_line(fake_local, video):
    def without_step_functions(*args, **kwargs):
        result = fake_local.run_local(*args, **kwargs)
        for key in ("state_transitions", "execution_history_events", "state_payload_bytes"):
            del result[key]
        return result

    measured = measure_run(without_step_functions, video, sample_interval_s=0.02)
    runtime = runtime_figures(measured, load_prices())
    assert runtime["step_functions"] is None
    assert runtime["step_functions_reference_usd"]["basis"] == "reference"
    assert runtime["step_functions_reference_usd"]["transitions"] == 3 + 4
    items = {i["item"]: i for i in runtime["cost_usd"]["breakdown"]}
    assert items["stepfunctions_transitions"]["quantity"] == 0


def test_the_measuring_process_runs_any_package_with_local_run_local(video):
    stream = io.StringIO()
    process = run_measured_process("sfn", FAKE, video, chunk_seconds=0.5, stream=stream)
    result = process.measured["result"]
    assert result["status"] == "SUCCEEDED" and result["state_transitions"] == 8
    assert "chunks 3/3" in stream.getvalue()
    assert process.measured["counts"].count("s3", "PutObject") == 5
