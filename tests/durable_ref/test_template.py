"""The SAM template of the durable pipeline: valid under cfn-lint, durable, least privilege."""
from __future__ import annotations

import importlib
from pathlib import Path

from cfnlint.api import lint
from cfnlint.decode import decode_str

TEMPLATE = Path(__file__).resolve().parents[2] / "durable_ref" / "template.yaml"


def resources() -> dict:
    template, errors = decode_str(TEMPLATE.read_text())
    assert errors == []
    return template["Resources"]


def test_template_passes_cfn_lint() -> None:
    assert [str(match) for match in lint(TEMPLATE.read_text())] == []


def test_cfn_lint_checks_durable_config() -> None:
    """cfn-lint's spec knows DurableConfig, so the clean run above means something.

    Checked through the match's path (structured, the same in every cfn-lint 1.x known to work), not its
    wording: cfn-lint 1.58 dropped the range check that 1.51 made, and its messages change between releases.
    The 1-90 day range itself is asserted below, on the parsed template.
    """
    text = TEMPLATE.read_text()
    unknown_knob = text.replace("DurableConfig:\n", "DurableConfig:\n        NoSuchKnob: 3\n", 1)
    wrong_type = text.replace("RetentionPeriodInDays: ", "RetentionPeriodInDays: [1, 2] # ", 1)
    for broken, expected_leaf in ((unknown_knob, "NoSuchKnob"), (wrong_type, "RetentionPeriodInDays")):
        paths = [list(match.path) for match in lint(broken)]
        assert any("DurableConfig" in path and path[-1] == expected_leaf for path in paths), paths


def test_work_objects_expire_as_in_the_baseline() -> None:
    """A job that never ended (timed out, stopped) leaves work/ objects no step deletes; the bucket
    expires them with the baseline's rule."""
    rules = {rule["Id"]: rule for rule in resources()["MediaBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["expire-orphaned-work"] == {
        "Id": "expire-orphaned-work", "Status": "Enabled", "Prefix": "work/", "ExpirationInDays": 7,
    }
    baseline = Path(__file__).resolve().parents[2] / "baseline" / "template.yaml"
    baseline_bucket = decode_str(baseline.read_text())[0]["Resources"]["MediaBucket"]["Properties"]
    assert baseline_bucket["LifecycleConfiguration"] == resources()["MediaBucket"]["Properties"]["LifecycleConfiguration"]


def test_both_functions_are_durable_and_invoked_by_alias() -> None:
    functions = {name: r["Properties"] for name, r in resources().items() if r["Type"] == "AWS::Serverless::Function"}
    assert set(functions) == {"OrchestratorFunction", "EncoderFunction"}
    for properties in functions.values():
        assert properties["DurableConfig"]["ExecutionTimeout"] > 0
        assert 1 <= properties["DurableConfig"]["RetentionPeriodInDays"] <= 90
        assert properties["AutoPublishAlias"] == "live"
        assert "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy" in properties["Policies"]
        module, _, attribute = properties["Handler"].rpartition(".")
        assert callable(getattr(importlib.import_module(module), attribute))
    orchestrator = functions["OrchestratorFunction"]
    assert orchestrator["Environment"]["Variables"]["ENCODER_FUNCTION"] == {"Ref": "EncoderFunction.Alias"}


def test_policies_grant_only_what_each_function_does() -> None:
    def statements(function: str) -> dict[str, list]:
        granted: dict[str, list] = {}
        for policy in resources()[function]["Properties"]["Policies"]:
            for statement in policy["Statement"] if isinstance(policy, dict) else []:
                granted.setdefault(statement["Action"], []).append(statement["Resource"])
        return granted

    encoder = statements("EncoderFunction")
    assert set(encoder) == {"s3:GetObject", "s3:PutObject"}
    assert encoder["s3:PutObject"] == [{"Fn::Sub": "${MediaBucket.Arn}/work/*/encoded/*"}]
    orchestrator = statements("OrchestratorFunction")
    assert set(orchestrator) == {"lambda:InvokeFunction", "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"}
    assert orchestrator["lambda:InvokeFunction"] == [{"Ref": "EncoderFunction.Alias"}]
    assert orchestrator["s3:DeleteObject"] == [{"Fn::Sub": "${MediaBucket.Arn}/work/*"}]
