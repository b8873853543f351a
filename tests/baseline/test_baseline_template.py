"""The SAM template: valid under cfn-lint, and each function allowed exactly what its handler calls."""
from __future__ import annotations

from pathlib import Path

import cfnlint.api
import cfnlint.decode

TEMPLATE = Path(__file__).resolve().parents[2] / "baseline" / "template.yaml"


def _statements(function: dict) -> list[dict]:
    return [statement for policy in function["Properties"]["Policies"] for statement in policy["Statement"]]


def _grants(function: dict) -> set[tuple[str, str]]:
    grants = set()
    for statement in _statements(function):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for action in actions:
            for resource in resources:
                target = resource.get("Fn::Sub") or ".".join(resource.get("Fn::GetAtt"))
                grants.add((action, target.replace("${MediaBucket.Arn}", "bucket")))
    return grants


def test_template_is_valid_under_cfn_lint() -> None:
    assert [str(match) for match in cfnlint.api.lint_file(TEMPLATE)] == []


def test_each_function_gets_only_what_its_handler_needs() -> None:
    template, errors = cfnlint.decode.decode(str(TEMPLATE))
    assert not errors
    resources = template["Resources"]
    common = {("s3:ListBucket", "MediaBucket.Arn"), ("dynamodb:UpdateItem", "JobsTable.Arn")}
    expected = {
        "ValidateFunction": {("s3:GetObject", "bucket/input/*"), ("lambda:InvokeFunction", "ChunkFunction.Arn")},
        "ChunkFunction": {
            ("s3:GetObject", "bucket/input/*"), ("s3:PutObject", "bucket/work/*"), ("s3:DeleteObject", "bucket/work/*"),
            ("lambda:InvokeFunction", "EncodeFunction.Arn"),
        },
        "EncodeFunction": {
            ("s3:GetObject", "bucket/work/*"), ("s3:PutObject", "bucket/work/*"), ("s3:DeleteObject", "bucket/work/*"),
            ("dynamodb:GetItem", "JobsTable.Arn"), ("lambda:InvokeFunction", "AssembleFunction.Arn"),
        },
        "AssembleFunction": {
            ("s3:GetObject", "bucket/input/*"), ("s3:GetObject", "bucket/work/*"), ("s3:PutObject", "bucket/output/*"),
            ("s3:GetObject", "bucket/output/*"), ("s3:DeleteObject", "bucket/work/*"),
        },
        "DeadLetterFunction": {("s3:DeleteObject", "bucket/work/*")},
    }
    modules = {"ValidateFunction": "validate", "ChunkFunction": "chunk", "EncodeFunction": "encode",
               "AssembleFunction": "assemble", "DeadLetterFunction": "dead_letter"}
    functions = {name: r for name, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
    assert set(functions) == set(expected)
    for name, function in functions.items():
        assert _grants(function) == common | expected[name], name
        assert all(statement["Effect"] == "Allow" for statement in _statements(function))
        assert function["Properties"]["Handler"] == f"baseline.{modules[name]}.handler"
        invoke = function["Properties"]["EventInvokeConfig"]
        on_failure = invoke["DestinationConfig"]["OnFailure"]
        assert invoke["MaximumRetryAttempts"] == 2
        if name == "DeadLetterFunction":
            # Records the failure handler could not process wait in the queue for an operator.
            assert on_failure == {"Type": "SQS", "Destination": {"Fn::GetAtt": ["FailedEventsQueue", "Arn"]}}
        else:
            # An event that failed on every delivery goes to the failure handler, which fails its job.
            assert on_failure == {"Type": "Lambda", "Destination": {"Fn::GetAtt": ["DeadLetterFunction", "Arn"]}}
            # Named, so that the failure handler can map a record's functionArn to its stage without a
            # !Ref (which would make a dependency cycle with the destination's invoke permission).
            stage = modules[name]
            assert function["Properties"]["FunctionName"] == {"Fn::Sub": f"${{AWS::StackName}}-{stage}"}
            variables = functions["DeadLetterFunction"]["Properties"]["Environment"]["Variables"]
            assert variables[f"{stage.upper()}_FUNCTION"] == {"Fn::Sub": f"${{AWS::StackName}}-{stage}"}
    # The fan-out cap: as many encodes at once as the durable map's max_concurrency (100) by default.
    assert template["Parameters"]["MaxParallelEncodes"]["Default"] == 100
    assert functions["EncodeFunction"]["Properties"]["ReservedConcurrentExecutions"] == {
        "Fn::If": ["CapEncodes", {"Ref": "MaxParallelEncodes"}, {"Ref": "AWS::NoValue"}]}
    assert template["Globals"]["Function"]["Runtime"] >= "python3.11"
    table = resources["JobsTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST" and table["TimeToLiveSpecification"]["AttributeName"] == "expires_at"
