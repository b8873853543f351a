"""Statistics of repeated runs, least-squares fits against chunk count, and the projection with quotas."""
from __future__ import annotations

import statistics

import pytest

from metrics.runtime.quotas import (DURABLE_OPERATIONS, DYNAMODB_ITEM_SIZE, LAMBDA_CONCURRENCY,
                                   STEP_FUNCTIONS_HISTORY, STEP_FUNCTIONS_INLINE_MAP, STEP_FUNCTIONS_PAYLOAD)
from metrics.runtime.scaling import EXCAMERA, fit_linear, fit_sweep, project
from metrics.runtime.stats import median_of_runs, percentile, summarize


def test_summary_by_hand() -> None:
    values = [4.0, 1.0, 3.0, 2.0, 10.0]
    summary = summarize(values)
    # sorted 1 2 3 4 10: median 3; p95 at rank 0.95 * 4 = 3.8 -> 4 + 0.8 * (10 - 4) = 8.8
    assert summary == {"n": 5, "min": 1.0, "median": 3.0, "mean": 4.0, "p95": pytest.approx(8.8), "max": 10.0,
                       "spread": 9.0, "spread_pct": 300.0}
    assert summarize([2.5])["p95"] == 2.5 and summarize([2.5])["spread"] == 0
    assert summarize([])["median"] is None


@pytest.mark.parametrize("values", [[1, 2], [5, 1, 9, 3, 3, 7], list(range(1, 21)), [0.3, 0.1, 0.2]])
def test_percentile_matches_statistics_inclusive(values: list[float]) -> None:
    expected = statistics.quantiles(values, n=100, method="inclusive")
    assert percentile(values, 95) == pytest.approx(expected[94])
    assert percentile(values, 50) == pytest.approx(statistics.median(values))


def test_percentile_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1], 101)


def test_median_of_runs_follows_a_path() -> None:
    runs = [{"runtime": {"e2e": 3.0}}, {"runtime": {"e2e": 1.0}}, {"runtime": {}}, {"runtime": {"e2e": 2.0}}]
    assert median_of_runs(runs, ("runtime", "e2e")) == 2.0
    assert median_of_runs(runs, ("runtime", "absent")) is None


def test_exact_line_is_recovered() -> None:
    fit = fit_linear([4, 8, 16, 32], [3 + 2.5 * x for x in (4, 8, 16, 32)])
    assert fit.per_chunk == pytest.approx(2.5) and fit.fixed == pytest.approx(3.0)
    assert fit.r_squared == pytest.approx(1.0) and fit.n == 4 and fit.chunk_range == (4.0, 32.0)
    assert fit.at(100) == pytest.approx(253.0)
    assert fit.chunks_reaching(503.0) == pytest.approx(200.0)


def test_noisy_line_by_hand() -> None:
    # x = 1, 2, 3; y = 1, 3, 2: mean x 2, mean y 2; sxy = (-1)(-1) + 0 + (1)(0) = 1, sxx = 2 -> slope 0.5,
    # intercept 2 - 0.5 * 2 = 1; residuals 1 - 1.5, 3 - 2, 2 - 2.5 -> SS_res 0.25 + 1 + 0.25 = 1.5;
    # SS_tot = 1 + 1 + 0 = 2 -> r^2 = 0.25
    fit = fit_linear([1, 2, 3], [1, 3, 2])
    assert (fit.per_chunk, fit.fixed) == (pytest.approx(0.5), pytest.approx(1.0))
    assert fit.r_squared == pytest.approx(0.25)


def test_fit_needs_two_chunk_counts() -> None:
    with pytest.raises(ValueError, match="two or more distinct"):
        fit_linear([4, 4], [1, 2])
    with pytest.raises(ValueError):
        fit_linear([1, 2], [1])


def test_constant_figure_has_zero_slope_and_never_reaches_a_higher_limit() -> None:
    fit = fit_linear([4, 8], [7, 7])
    assert fit.per_chunk == 0 and fit.r_squared == 1.0
    assert fit.chunks_reaching(100) is None


def test_sweep_projection_and_quotas() -> None:
    points = [
        {"chunks": 4, "durable_operations": 2 * 4 + 5, "dynamodb_largest_item_bytes": 100 + 12 * 4},
        {"chunks": 16, "durable_operations": 2 * 16 + 5, "dynamodb_largest_item_bytes": 100 + 12 * 16},
        {"chunks": 64, "durable_operations": 2 * 64 + 5, "dynamodb_largest_item_bytes": 100 + 12 * 64},
        {"chunks": 256, "durable_operations": 2 * 256 + 5},  # the last point lacks one figure: fitted on 3
    ]
    fits = fit_sweep(points, ["durable_operations", "dynamodb_largest_item_bytes", "absent"])
    assert set(fits) == {"durable_operations", "dynamodb_largest_item_bytes"}
    assert fits["dynamodb_largest_item_bytes"].n == 3
    result = project(fits)
    assert result["projection"] is True and result["target"]["chunks"] == EXCAMERA.chunks == 3552
    assert result["metrics"]["durable_operations"]["projected"] == pytest.approx(2 * 3552 + 5)
    rows = {row["name"]: row for row in result["quotas"]}
    ops = rows[DURABLE_OPERATIONS.name]
    assert ops["exceeded"] is True and ops["projected"] == pytest.approx(7109)
    assert ops["chunks_at_limit"] == pytest.approx((3000 - 5) / 2)  # 1,497.5 chunks
    item = rows[DYNAMODB_ITEM_SIZE.name]
    assert item["exceeded"] is False and item["projected"] == pytest.approx(100 + 12 * 3552)
    assert item["chunks_at_limit"] == pytest.approx((409600 - 100) / 12)
    concurrency = rows[LAMBDA_CONCURRENCY.name]
    assert concurrency["projected"] == 3552 and concurrency["exceeded"] is True
    assert all(row["source"].startswith("https://docs.aws.amazon.com/") for row in result["quotas"])


def test_a_state_machine_meets_its_history_payload_and_inline_map_quotas() -> None:
    points = [{"chunks": c, "execution_history_events": 23 + 7 * c, "largest_state_payload_bytes": 400 + 20 * c}
              for c in (2, 4, 8)]
    result = project(fit_sweep(points, ["execution_history_events", "largest_state_payload_bytes"]),
                     map_max_concurrency=100)
    rows = {row["name"]: row for row in result["quotas"]}
    history = rows[STEP_FUNCTIONS_HISTORY.name]
    assert history["projected"] == pytest.approx(23 + 7 * 3552) and history["exceeded"] is False
    assert history["chunks_at_limit"] == pytest.approx((25_000 - 23) / 7)
    assert rows[STEP_FUNCTIONS_PAYLOAD.name]["projected"] == pytest.approx(400 + 20 * 3552)
    inline = rows[STEP_FUNCTIONS_INLINE_MAP.name]
    assert (inline["projected"], inline["limit"], inline["exceeded"], inline["adjustable"]) == (100, 40, True, False)
    # a design without a Map (no MaxConcurrency given) has no such row
    assert STEP_FUNCTIONS_INLINE_MAP.name not in {row["name"] for row in project({})["quotas"]}


def test_falling_line_is_held_not_extrapolated() -> None:
    # the largest item of a design whose items do not grow: 440, 440, 426 bytes at 4, 8, 16 chunks
    fit = fit_linear([4, 8, 16], [440, 440, 426])
    assert fit.per_chunk < 0
    assert fit.projected(3552) == pytest.approx(fit.at(16))
    result = project({"dynamodb_largest_item_bytes": fit})
    assert result["metrics"]["dynamodb_largest_item_bytes"]["held"] is True
    row = next(r for r in result["quotas"] if r["metric"] == "dynamodb_largest_item_bytes")
    assert 420 < row["projected"] < 440 and row["exceeded"] is False and row["chunks_at_limit"] is None
