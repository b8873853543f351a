"""The state machine and its SAM template: the same retry policy as the other two, clean under cfn-lint,
least privilege."""
from __future__ import annotations

import json
import re
from pathlib import Path

from cfnlint.api import lint
from cfnlint.decode import decode_str

from media import PipelineSettings
from stepfunctions_ref import failure, tasks
from stepfunctions_ref.local.runner import DEFINITION, FUNCTIONS

TEMPLATE = DEFINITION.parent / "template.yaml"
STATES = json.loads(DEFINITION.read_text())["States"]
TASKS = {"Validate": STATES["Validate"], "Chunk": STATES["Chunk"], "Assemble": STATES["Assemble"]}
ENCODE = STATES["Encode"]["ItemProcessor"]["States"]["EncodeChunk"]


def test_stages_retry_all_but_media_errors_with_the_settings_attempts() -> None:
    for name, state in TASKS.items():
        final, transient = state["Retry"]
        assert (set(final["ErrorEquals"]), final["MaxAttempts"]) == (set(failure.FINAL_ERRORS), 0), name
        assert transient["ErrorEquals"] == ["States.ALL"]
        assert transient["MaxAttempts"] + 1 == PipelineSettings().max_stage_attempts
        assert state["Catch"][0]["ErrorEquals"] == ["States.ALL"]


def test_chunks_retry_all_but_a_missing_chunk_in_a_map_of_100() -> None:
    final, transient = ENCODE["Retry"]
    assert (final["ErrorEquals"], final["MaxAttempts"]) == (["WorkObjectMissingError"], 0)
    assert transient["MaxAttempts"] + 1 == PipelineSettings().max_chunk_attempts
    assert STATES["Encode"]["MaxConcurrency"] == 100
    # Encoder results are dropped: each iteration's output is a flag, not the task's result.
    assert ENCODE["ResultSelector"] == {"failed": False}


def test_every_failure_path_cleans_up_then_fails_with_the_kind_and_reason() -> None:
    for failed in ("ValidateFailed", "ChunkFailed", "EncodeFailed", "AssembleFailed"):
        assert STATES[failed]["Next"] == "Cleanup"
    assert STATES["Cleanup"]["Next"] == "FailJob"
    assert STATES["FailJob"] == {"Type": "Fail", "ErrorPath": "$.kind", "CausePath": "$.reason"}


def test_template_passes_cfn_lint_and_fills_every_placeholder() -> None:
    assert [str(match) for match in lint(TEMPLATE.read_text())] == []
    template, errors = decode_str(TEMPLATE.read_text())
    assert errors == []
    resources = template["Resources"]
    machine = resources["PipelineStateMachine"]["Properties"]
    placeholders = set(re.findall(r"\$\{(\w+)\}", DEFINITION.read_text()))
    assert placeholders == set(machine["DefinitionSubstitutions"]) == set(FUNCTIONS)
    assert machine["Type"] == "STANDARD" and machine["DefinitionUri"] == DEFINITION.name
    handlers = {r["Properties"]["Handler"] for r in resources.values() if r["Type"] == "AWS::Serverless::Function"}
    assert handlers == {f"stepfunctions_ref.tasks.{n}" for n in ("validate", "chunk", "encode", "assemble")} | {
        "stepfunctions_ref.failure.cleanup"}
    assert all(callable(getattr(tasks, name)) for name in ("validate", "chunk", "encode", "assemble"))


def test_functions_get_only_the_objects_their_stage_touches() -> None:
    template, _ = decode_str(TEMPLATE.read_text())
    resources = template["Resources"]
    for name in ("ValidateFunction", "ChunkFunction", "EncodeFunction", "AssembleFunction", "CleanupFunction"):
        statements = resources[name]["Properties"]["Policies"][0]["Statement"]
        actions = {s["Action"] for s in statements}
        assert not any("*" in action for action in actions), name
    encode = resources["EncodeFunction"]["Properties"]["Policies"][0]["Statement"]
    assert {s["Action"] for s in encode} == {"s3:GetObject", "s3:PutObject"}
    deleters = [n for n, r in resources.items() if "s3:DeleteObject" in json.dumps(r)]
    assert sorted(deleters) == ["AssembleFunction", "CleanupFunction"]
