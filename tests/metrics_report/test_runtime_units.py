"""The run-time section's pure parts on figures known by hand: repeats, the monolithic ratio, the sweep's
quotas, the summary sentences, the line chart, the inputs, the sampler's budget, checkpoint sizes."""
from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import pytest

import media
from metrics.report.charts import line_chart
from metrics.report.inputs import SyntheticInput, cached_input, chunk_seconds_for, sweep_input_for
from metrics.report.runtime_results import implementation_runtime, sweep_figures
from metrics.report.runtime_summary import runtime_summary
from metrics.runtime import StateSampler, StateSnapshot
from metrics.runtime.checkpoint_sizes import largest_limited_payload, payloads_by_type


def figures(e2e: float, *, chunks: int = 4, ops: int = 40, status: str = "SUCCEEDED", durable: dict | None = None,
            dynamodb_item: int = 400) -> dict:
    """The parts of ``runtime_figures`` the report reads, with chosen numbers."""
    snapshot = {"dynamodb_largest_item_bytes": dynamodb_item, "external_state_bytes": 100 * chunks,
                "checkpointed_bytes": (durable or {}).get("checkpointed_bytes", 0)}
    by_category = {"compute": 1e-4, "workflow_state": 1e-5 * chunks, "storage_requests": 2e-5, "media": 1e-6}
    return {
        "status": status, "chunks": chunks, "e2e_latency_s": e2e,
        "stage_latency_s": {"validate": 0.1, "chunk": 0.2, "encode": e2e - 0.5, "assemble": 0.2},
        "chunk_latency_s": [0.5] * chunks, "chunk_latency_summary": {"median": 0.5, "p95": 0.5, "max": 0.5},
        "storage_ops": {"total": ops, "by_service": {"s3": ops}, "by_operation": {"s3": {"GetObject": ops}}},
        "workflow_storage_ops": {"total": ops, "by_service": {"s3": ops}, "by_operation": {"s3": {"GetObject": ops}},
                                 "dynamodb_request_units": {"read": 0, "write": 0}},
        "lambda": {"invocations": chunks + 3, "billed_seconds": e2e},
        "durable": durable,
        "state_bytes": {"peak": snapshot, "end": snapshot},
        "cost_usd": {"per_video_usd": sum(by_category.values()), "per_1000_videos_usd": 1000 * sum(by_category.values()),
                     "by_category_usd": by_category,
                     "breakdown": [{"item": "dynamodb_writes", "category": "workflow_state", "quantity": 3 * chunks,
                                    "unit": "write request unit", "usd": 1e-5 * chunks}]},
        "step_functions_reference_usd": {"transitions": chunks + 6, "per_1000_videos_usd": 0.025 * (chunks + 6)},
        "monolithic": {"process_s": e2e + 1, "seconds": e2e, "ratio": (e2e + 1) / e2e, "goal": 1.25, "met": False},
    }


def test_repeats_report_the_median_run_and_the_spread():
    records = [{"figures": figures(e2e), "process_s": e2e + 1.0, "monolithic_s": mono}
               for e2e, mono in ((9.0, 6.0), (7.0, 5.0), (8.0, 8.0))]
    runtime = implementation_runtime(records)
    assert runtime["e2e_latency_s"] == 8.0 and runtime["repeat"]["representative_run"] == 3
    assert runtime["repeat"]["e2e_latency_s"]["median"] == 8.0 and runtime["repeat"]["e2e_latency_s"]["spread"] == 2.0
    # ratio of the medians (9 s / 6 s), and each pair's own
    assert runtime["monolithic"]["ratio"] == pytest.approx(9.0 / 6.0)
    assert runtime["monolithic"]["ratios"] == pytest.approx([10 / 6, 8 / 5, 9 / 8])
    assert runtime["monolithic"]["met"] is False and runtime["process_s"] == 9.0
    assert [run["run"] for run in runtime["runs"]] == [1, 2, 3]
    # two runs: the lower of the middle two
    assert implementation_runtime(records[:2])["e2e_latency_s"] == 7.0


def _sweep_point(chunks: int, durable: bool, status: str = "SUCCEEDED") -> dict:
    from metrics.report.runtime_results import sweep_record

    extra = {"operations": 3 * chunks + 5, "orchestrator_operations": chunks + 5, "checkpointed_bytes": 300 * chunks,
             "largest_checkpoint_bytes": 100 * chunks} if durable else None
    return sweep_record(figures(1.0 + chunks / 10, chunks=chunks, ops=4 * chunks + 8, status=status, durable=extra,
                                dynamodb_item=0 if durable else 300 + 3 * chunks), 2.0)


def test_sweep_projection_keeps_the_quotas_a_design_meets():
    durable = sweep_figures([_sweep_point(n, True) for n in (4, 16)] + [_sweep_point(64, True, "FAILED")])
    assert [p["chunks"] for p in durable["points"]] == [4, 16, 64]  # all shown, the failed one not fitted
    assert durable["fits"]["orchestrator_operations"]["n"] == 2
    quotas = {q["name"]: q for q in durable["projection"]["quotas"]}
    assert "DynamoDB item size" not in quotas  # no DynamoDB item in the durable design
    assert quotas["Durable operations per execution"]["projected"] == pytest.approx(3557)
    assert quotas["Durable checkpoint payload"]["projected"] == pytest.approx(355200)
    assert quotas["Durable checkpoint payload"]["exceeded"] is True
    baseline = sweep_figures([_sweep_point(n, False) for n in (4, 16)])
    assert {q["name"] for q in baseline["projection"]["quotas"]} == {"DynamoDB item size",
                                                                      "Lambda concurrent executions (default)"}
    assert baseline["per_chunk"]["dynamodb_largest_item_bytes"] == pytest.approx(3)


def test_summary_without_sweep_asks_for_it_and_flags_failed_runs():
    implementations = {"baseline": {"runtime": figures(8.0)},
                       "durable_ref": {"runtime": figures(7.0, status="FAILED", durable={"operations": 17})}}
    summary = runtime_summary("baseline", implementations, {"machine": {"cpu_count": 2}})
    assert summary["warnings"] == ["durable_ref's job ended FAILED: its figures describe a failed run, not the happy path."]
    assert any("python compare.py --sweep" in s for s in summary["rq4"]["sentences"])
    assert summary["rq4"]["sentences"][0].startswith("Locally, on 2 cores")
    assert "Workflow state per 1,000 videos: baseline $0.0400, durable_ref $0.0400 (1.00x)" in \
        " ".join(summary["rq2"]["sentences"])


def test_line_chart_marks_every_point_on_a_log_axis():
    svg = str(line_chart("t", "chunks", "ops", {"a": [(4, 10), (16, 40), (64, 160)], "b": [(4, 5), (64, 50)]}))
    assert svg.count("<circle") == 5 and svg.count("<polyline") == 2
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    # log2 axis: 4, 16, 64 equally spaced
    xs = [float(part.split('"')[1]) for part in svg.split('<circle cx=')[1:4]]
    assert xs[1] - xs[0] == pytest.approx(xs[2] - xs[1])


def test_inputs_sized_for_the_sweep_and_cached(tmp_path):
    spec = sweep_input_for((4, 16, 64, 256))
    assert (spec.frames, spec.width, spec.height) == (512, 320, 180)
    assert spec.keyframe_seconds * spec.fps == 2  # every boundary of 256 chunks of 2 frames
    assert sweep_input_for((4, 16, 48)).keyframe_seconds * 16 == 1  # 48 does not divide 512: 1-frame GOP
    tiny = SyntheticInput(seconds=1, width=64, height=48, fps=10, keyframe_seconds=0.5)
    made = cached_input(tiny, tmp_path)
    first = made.stat().st_mtime_ns
    assert cached_input(tiny, tmp_path) == made and made.stat().st_mtime_ns == first  # not made again
    info = media.probe(made)
    assert info.frames == 10 and chunk_seconds_for(info, 2) == pytest.approx(0.5)
    assert [p.name for p in tmp_path.iterdir()] == [made.name]  # no partial file left


def test_sampler_keeps_to_its_share_of_the_time():
    def slow_snapshot() -> StateSnapshot:
        time.sleep(0.1)
        return StateSnapshot()

    with StateSampler(slow_snapshot, interval_s=0.01, max_busy_fraction=0.1) as sampler:
        time.sleep(0.8)
    # the first snapshot (warm-up, not pacing), one 0.01 s later, then 0.9 s of pause for each 0.1 s
    # snapshot, so none until the last one on exit
    assert sampler.tracker.samples == 3
    with StateSampler(slow_snapshot, interval_s=0.01) as unbounded:
        time.sleep(0.8)
    assert unbounded.tracker.samples >= 6
    with pytest.raises(ValueError):
        StateSampler(slow_snapshot, max_busy_fraction=0)


def test_checkpoint_payloads_by_operation_type():
    def update(kind: str, payload: str | None, error=None):
        return SimpleNamespace(operation_type=SimpleNamespace(value=kind), payload=payload, error=error)

    error = SimpleNamespace(to_dict=lambda: {"ErrorMessage": "x"})
    store = SimpleNamespace(list_all=lambda: [
        SimpleNamespace(updates=[update("STEP", None), update("STEP", "a" * 300), update("CONTEXT", "b" * 900),
                                 update("CHAINED_INVOKE", "c" * 50, error)]),
        SimpleNamespace(updates=[update("STEP", "d" * 40)]),
    ])
    by_type = payloads_by_type([store])
    assert by_type["STEP"] == {"updates": 3, "bytes": 340, "largest": 300}
    assert by_type["CHAINED_INVOKE"]["bytes"] == 50 + len('{"ErrorMessage": "x"}')
    # a map's (CONTEXT) larger result is replayed, not checkpointed: the limit meets the step's 300 bytes
    assert largest_limited_payload(by_type) == 300
    assert largest_limited_payload({"CONTEXT": by_type["CONTEXT"]}) is None


def test_warm_up_compiles_the_bytecode_of_every_package(tmp_path):
    import importlib.util

    from metrics.report.runtime_warmup import compile_bytecode

    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    for module in (package / "__init__.py", package / "sub" / "mod.py"):
        module.write_text("VALUE = 1\n")
    assert not any(tmp_path.rglob("*.pyc"))
    compile_bytecode([package, package, tmp_path / "missing"])
    for module in (package / "__init__.py", package / "sub" / "mod.py"):
        assert Path(importlib.util.cache_from_source(str(module))).is_file()
