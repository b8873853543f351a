"""Cost of a known usage mix, checked item by item against a hand computation."""
from __future__ import annotations

from pathlib import Path

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
        "stepfunctions_transitions": 0.0,                   # not a Step Functions run
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
    # 2 chunks: the states that run are Validate, Chunk, the Map, 2 x EncodeChunk, Assemble = 6 (starting
    # and ending an execution are not states, and AWS bills a transition per state run)
    assert step_functions_transitions(2) == 6
    assert step_functions_transitions(10, stage_retries=1, chunk_retries=2) == 17
    reference = step_functions_reference(10, prices)
    assert reference["transitions"] == 14
    assert reference["per_video_usd"] == pytest.approx(14 * 0.025 / 1000)
    assert reference["per_1000_videos_usd"] == pytest.approx(0.35)
    with pytest.raises(ValueError):
        step_functions_transitions(-1)


def test_compute_is_priced_function_by_function_at_each_memory_size(prices) -> None:
    usage = {"lambda": {"requests": 3, "billed_seconds": 6.0,
                        "by_function": {"validate": {"requests": 1, "billed_seconds": 1.0},
                                        "encode": {"requests": 2, "billed_seconds": 5.0}}}}
    settings = CostSettings(memory_mb=512, function_memory_mb={"validate": 1024, "encode": 2048})
    result = cost_of_usage(usage, prices, settings)
    rows = {row["function"]: row for row in result["lambda_functions"]}
    assert rows["validate"]["gb_seconds"] == pytest.approx(1.0) and rows["validate"]["memory_mb"] == 1024
    assert rows["encode"]["gb_seconds"] == pytest.approx(10.0) and rows["encode"]["memory_mb"] == 2048
    compute = next(i for i in result["breakdown"] if i["item"] == "lambda_compute")
    assert compute["quantity"] == pytest.approx(11.0)
    assert compute["usd"] == pytest.approx(11.0 * 0.0000166667)
    assert sum(row["usd"] for row in rows.values()) == pytest.approx(compute["usd"])
    # A function the settings do not name gets the default size.
    other = cost_of_usage({"lambda": {"by_function": {"assemble": {"requests": 1, "billed_seconds": 2.0}}}},
                          prices, settings)
    assert other["lambda_functions"][0]["gb_seconds"] == pytest.approx(1.0)


def test_retention_follows_each_store_and_function(prices) -> None:
    usage = {"dynamodb": {"storage_bytes": GB}, "s3": {"workflow_state_bytes": GB},
             "durable": {"retained_bytes": 3 * GB,
                         "retained_bytes_by_function": {"orchestrator": GB, "encoder": 2 * GB}}}
    settings = CostSettings(state_retention_days=30, work_retention_days=7,
                            function_durable_retention_days={"orchestrator": 14, "encoder": 7})
    items = {i["item"]: i for i in cost_of_usage(usage, prices, settings)["breakdown"]}
    assert items["dynamodb_storage"]["quantity"] == pytest.approx(30 * 24 / 730)
    assert items["s3_state_storage"]["quantity"] == pytest.approx(7 * 24 / 730)
    assert items["durable_data_retained"]["quantity"] == pytest.approx((14 + 2 * 7) * 24 / 730)
    # Without a work/ rule, S3 state objects are kept as long as the rest of the state.
    no_rule = cost_of_usage(usage, prices, CostSettings(state_retention_days=30))["breakdown"]
    assert next(i for i in no_rule if i["item"] == "s3_state_storage")["quantity"] == pytest.approx(30 * 24 / 730)


def test_per_function_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="memory_mb of encode"):
        CostSettings(function_memory_mb={"encode": 20000})
    with pytest.raises(ValueError, match="durable_retention_days of encoder"):
        CostSettings(function_durable_retention_days={"encoder": 0})


TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  KeepDays:
    Type: Number
    Default: 21
Globals:
  Function:
    Runtime: python3.13
    MemorySize: 512
    Architectures: [arm64]
    Environment:
      Variables:
        RETENTION_DAYS: !Ref KeepDays
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      LifecycleConfiguration:
        Rules:
          - {Id: work, Status: Enabled, Prefix: work/, ExpirationInDays: 3}
          - {Id: old, Status: Disabled, Prefix: work/, ExpirationInDays: 1}
  SmallFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: pkg.small.handler
      Environment:
        Variables:
          BUCKET: !Ref Bucket
  BigFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: pkg.big.handler
      MemorySize: 3008
      DurableConfig:
        ExecutionTimeout: 60
        RetentionPeriodInDays: 9
"""


def test_cost_settings_follow_the_template(tmp_path) -> None:
    from metrics.runtime.deployment import cost_settings_of, read_deployment

    (tmp_path / "template.yaml").write_text(TEMPLATE)
    deployment = read_deployment(tmp_path / "template.yaml")
    assert {f.name: f.memory_mb for f in deployment.functions} == {"small": 512, "big": 3008}
    assert deployment.state_retention_days == 21  # the Ref's parameter default, set in Globals
    assert deployment.work_retention_days == 3  # the enabled rule only
    settings = cost_settings_of(tmp_path)
    assert settings.architecture == "arm64"
    assert settings.memory_of("small") == 512 and settings.memory_of("big") == 3008
    assert settings.durable_retention_of("big") == 9 and settings.function_durable_retention_days == {"big": 9}
    assert (settings.state_retention_days, settings.work_days) == (21, 3)
    overridden = cost_settings_of(tmp_path, memory_mb=1024, retention_days=5)
    assert overridden.memory_of("big") == 1024 and overridden.durable_retention_of("big") == 5
    assert overridden.work_days == 5 and "--memory-mb 1024" in overridden.source


def test_the_pipelines_templates_are_read_as_written() -> None:
    """Every function of both templates, read by the module, against the decoded template itself."""
    from cfnlint.decode import decode

    from metrics.runtime.deployment import read_deployment

    root = Path(__file__).resolve().parents[2]
    for package in ("baseline", "durable_ref"):
        raw, _ = decode(str(root / package / "template.yaml"))
        defaults = raw.get("Globals", {}).get("Function", {})
        expected = {
            r["Properties"]["Handler"].split(".")[-2]: r["Properties"].get("MemorySize", defaults.get("MemorySize"))
            for r in raw["Resources"].values() if r["Type"] == "AWS::Serverless::Function"}
        deployment = read_deployment(root / package / "template.yaml")
        assert {f.name: f.memory_mb for f in deployment.functions} == expected
        for function in deployment.functions:
            durable = raw["Resources"][function.logical_id]["Properties"].get("DurableConfig")
            assert function.durable_retention_days == (durable["RetentionPeriodInDays"] if durable else None)


def test_a_value_known_only_at_deployment_is_an_error(tmp_path) -> None:
    from metrics.runtime.deployment import DeploymentError, read_deployment

    (tmp_path / "template.yaml").write_text(TEMPLATE.replace("MemorySize: 3008", "MemorySize: !ImportValue Size"))
    with pytest.raises(DeploymentError, match="BigFunction.MemorySize"):
        read_deployment(tmp_path / "template.yaml")
