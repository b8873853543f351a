"""Cost of a known usage mix, checked item by item against a hand computation."""
from __future__ import annotations

import pytest

from metrics.runtime import load_prices
from metrics.runtime.cost import (
    GB,
    CostSettings,
    billed_seconds,
    cost_of_usage,
    gb_months,
    s3_request_tiers,
    step_functions_reference,
    step_functions_transitions,
    usage_from_measurements,
)

ONE_MONTH_DAYS = 730 / 24  # AWS's month of 730 hours


@pytest.fixture(scope="module")
def prices():
    return load_prices()


def test_known_mix_by_hand(prices) -> None:
    usage = {
        "lambda": {"requests": 5, "billed_seconds": 10.0},
        "dynamodb": {"read_units": 10, "write_units": 20, "storage_bytes": GB},
        "s3": {"put_requests": 4, "get_requests": 6, "workflow_state_bytes": 0, "media_bytes": 2 * GB},
        "durable": {"operations": 1000, "data_written_bytes": GB // 2, "retained_bytes": GB},
    }
    settings = CostSettings(memory_mb=1024, state_retention_days=ONE_MONTH_DAYS,
                            media_retention_days=ONE_MONTH_DAYS, durable_retention_days=14)
    result = cost_of_usage(usage, prices, settings)
    by_item = {i["item"]: i["usd"] for i in result["breakdown"]}
    expected = {
        "lambda_requests": 5 * 0.20 / 1e6,                  # 0.000001
        "lambda_compute": 10 * 1.0 * 0.0000166667,          # 10 s at 1 GB
        "dynamodb_writes": 20 * 0.625 / 1e6,                # 0.0000125
        "dynamodb_reads": 10 * 0.125 / 1e6,                 # 0.00000125
        "dynamodb_storage": 1 * 0.25,                       # 1 GB for one month
        "s3_put_requests": 4 * 0.005 / 1000,                # 0.00002
        "s3_get_requests": 6 * 0.0004 / 1000,               # 0.0000024
        "s3_state_storage": 0.0,
        "s3_media_storage": 2 * 0.023,                      # 2 GB for one month
        "durable_operations": 1000 * 8.00 / 1e6,            # 0.008
        "durable_data_written": 0.5 * 0.25,                 # 0.125
        "durable_data_retained": 1 * (14 * 24 / 730) * 0.15,  # 1 GB for 14 days: 0.46027 GB-month
    }
    assert by_item == pytest.approx(expected, rel=1e-9)
    total = 0.000001 + 0.000166667 + 0.0000125 + 0.00000125 + 0.25 + 0.00002 + 0.0000024 + 0.046 + 0.008 \
        + 0.125 + 0.0690411
    assert result["per_video_usd"] == pytest.approx(total, rel=1e-6)
    assert result["per_1000_videos_usd"] == pytest.approx(1000 * total, rel=1e-6)
    assert result["by_category_usd"]["workflow_state"] == pytest.approx(
        0.0000125 + 0.00000125 + 0.25 + 0.008 + 0.125 + 0.0690411, rel=1e-6)
    assert result["by_category_usd"]["media"] == pytest.approx(0.046)
    assert all(i["source"].startswith("https://aws.amazon.com/") for i in result["breakdown"])


def test_arm_and_memory_settings_change_compute(prices) -> None:
    usage = {"lambda": {"requests": 0, "billed_seconds": 2.0}}
    arm = cost_of_usage(usage, prices, CostSettings(memory_mb=2048, architecture="arm64"))
    compute = next(i for i in arm["breakdown"] if i["item"] == "lambda_compute")
    assert compute["quantity"] == 4.0 and compute["usd"] == pytest.approx(4 * 0.0000133334)


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="memory_mb"):
        CostSettings(memory_mb=64)
    with pytest.raises(ValueError, match="architecture"):
        CostSettings(architecture="sparc")
    with pytest.raises(ValueError, match="durable_retention_days"):
        CostSettings(durable_retention_days=91)


def test_billed_seconds_round_each_invocation_up_to_a_millisecond() -> None:
    assert billed_seconds([0.0001, 1.0, 0.0015]) == pytest.approx(0.001 + 1.0 + 0.002)
    assert billed_seconds([]) == 0


def test_gb_months_uses_730_hour_months() -> None:
    assert gb_months(GB, ONE_MONTH_DAYS) == pytest.approx(1.0)
    assert gb_months(GB // 2, 14) == pytest.approx(0.5 * 14 * 24 / 730)


def test_s3_tiers_by_operation() -> None:
    ops = {"PutObject": 3, "CopyObject": 1, "ListObjectsV2": 2, "CreateMultipartUpload": 1, "UploadPart": 4,
           "CompleteMultipartUpload": 1, "GetObject": 5, "HeadObject": 2, "DeleteObject": 3,
           "DeleteObjects": 1, "AbortMultipartUpload": 1}
    assert s3_request_tiers(ops) == {"put": 3 + 1 + 2 + 1 + 4 + 1, "get": 5 + 2, "free": 3 + 1 + 1}


def test_usage_from_measurements_maps_counts_and_state() -> None:
    storage_ops = {
        "by_operation": {"s3": {"PutObject": 4, "GetObject": 3, "DeleteObject": 4}, "dynamodb": {"PutItem": 2}},
        "dynamodb_request_units": {"read": 1.5, "write": 7.0},
    }
    state_end = {"dynamodb_storage_bytes": 900, "s3_workflow_state_bytes": 40, "s3_media_bytes": 5000}
    usage = usage_from_measurements(storage_ops, lambda_requests=5, lambda_billed_seconds=3.5,
                                    state_end=state_end, durable={"operations": 9, "checkpointed_bytes": 2048})
    assert usage == {
        "lambda": {"requests": 5, "billed_seconds": 3.5},
        "dynamodb": {"read_units": 1.5, "write_units": 7.0, "storage_bytes": 900},
        "s3": {"put_requests": 4, "get_requests": 3, "workflow_state_bytes": 40, "media_bytes": 5000},
        "durable": {"operations": 9, "data_written_bytes": 2048, "retained_bytes": 2048},
    }


def test_step_functions_reference_line(prices) -> None:
    # 2 chunks: start, Validate, Chunk, Map, 2 x EncodeChunk, Assemble, end = 8
    assert step_functions_transitions(2) == 8
    assert step_functions_transitions(10, stage_retries=1, chunk_retries=2) == 19
    reference = step_functions_reference(10, prices)
    assert reference["transitions"] == 16
    assert reference["per_video_usd"] == pytest.approx(16 * 0.025 / 1000)
    assert reference["per_1000_videos_usd"] == pytest.approx(0.4)
    with pytest.raises(ValueError):
        step_functions_transitions(-1)
