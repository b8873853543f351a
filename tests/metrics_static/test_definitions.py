"""State machine definitions in the static figures (metrics/static/definitions.py): found by content and
through template.yaml, counted by hand on the fake Step Functions fixture, the same whatever the layout."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from metrics.static import StaticConfig, analyze_implementation, static_figures
from metrics.static.definitions import definition_figures, find_definitions

from .conftest import FIXTURES, REPO

FAKE = FIXTURES / "pipeline_stepfunctions"
ASL = FAKE / "statemachine.asl.json"


def _static(root: Path) -> dict:
    return static_figures(analyze_implementation("impl", root, StaticConfig(), media_dir=REPO / "media"))


@pytest.fixture(scope="module")
def fake_static() -> dict:
    return _static(FAKE)


def test_the_fixture_definition_counted_by_hand(fake_static):
    definition = fake_static["definition"]
    assert definition["files"] == 1 and definition["where"] == ["statemachine.asl.json"]
    assert definition["lines"] == 53  # the file has no blank lines: 53 lines
    # Validate, IsValid, EncodeChunks, EncodeChunk (inside the Map), Assemble, Done, JobFailed
    assert definition["states"] == 7
    assert definition["states_by_type"] == {"Task": 3, "Map": 1, "Choice": 1, "Pass": 0, "Fail": 1,
                                            "Succeed": 1, "Parallel": 0, "Wait": 0}
    assert definition["task_states"] == 3
    # Validate's one retrier (5 attempts), EncodeChunk's two (the default 3, and 2)
    assert definition["retriers"] == 3 and definition["retrier_max_attempts"] == [2, 3, 5]
    assert definition["max_attempts"] == 5
    assert definition["catchers"] == 2  # Validate's and the Map's


def test_definition_adds_to_error_handling_and_share(fake_static):
    handling = fake_static["error_handling"]
    # The Python handlers have no retry loop and no except handler: every retry and path is the definition's.
    assert handling["retry_constructs"] == 3
    assert handling["except_handlers"] == 0 and handling["catchers"] == 2
    assert fake_static["error_handling_paths"] == 2
    sloc = fake_static["sloc"]
    assert sloc > 0
    assert fake_static["definition_share"] == round(53 / (sloc + 53), 4)


def test_an_implementation_without_a_definition_has_zeros(tmp_path):
    (tmp_path / "handler.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "settings.json").write_text('{"States": "not a machine"}\n')
    static = _static(tmp_path)
    assert static["definition"]["files"] == 0 and static["definition"]["states"] == 0
    assert static["definition_share"] == 0.0 and static["error_handling"]["catchers"] == 0
    assert static["error_handling_paths"] == static["error_handling"]["except_handlers"]


def _reordered(value):
    """The same document with every mapping's keys in reverse order."""
    if isinstance(value, dict):
        return {key: _reordered(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reordered(item) for item in value]
    return value


def _yaml(value, indent: int = 0) -> str:
    """Block-style YAML (scalars as JSON, which YAML reads): the other format of the same machine."""
    pad = " " * indent
    lines = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{json.dumps(key)}:\n{_yaml(item, indent + 2)}")
            else:
                lines.append(f"{pad}{json.dumps(key)}: {json.dumps(item)}")
    else:
        for item in value:
            if isinstance(item, (dict, list)) and item:
                body = _yaml(item, indent + 2)
                lines.append(f"{pad}- {body.lstrip()}")
            else:
                lines.append(f"{pad}- {json.dumps(item)}")
    return "\n".join(lines)


def _layout_free(figures: dict) -> dict:
    """Every figure but the ones that name the file or count its lines as written."""
    return {k: v for k, v in figures.items() if k not in ("where", "lines")}


@pytest.mark.parametrize("layout", ["reordered-json", "compact-json", "yaml", "inline-in-template"])
def test_same_machine_in_another_layout_gives_the_same_figures(tmp_path, layout):
    document = json.loads(ASL.read_text())
    reference = definition_figures(find_definitions(FAKE))
    if layout == "reordered-json":
        (tmp_path / "machine.asl.json").write_text(json.dumps(_reordered(document), indent=4))
    elif layout == "compact-json":
        (tmp_path / "machine.json").write_text(json.dumps(document, separators=(",", ":")))
    elif layout == "yaml":
        (tmp_path / "workflow.yaml").write_text(_yaml(_reordered(document)) + "\n")
    else:
        body = _yaml({"Resources": {"Machine": {"Type": "AWS::Serverless::StateMachine",
                                                "Properties": {"Definition": document}}}})
        (tmp_path / "template.yaml").write_text(body + "\n")
    figures = definition_figures(find_definitions(tmp_path))
    assert figures["files"] == 1
    assert _layout_free(figures) == _layout_free(reference)
    assert figures["canonical_lines"] == reference["canonical_lines"] > 0


def test_definition_uri_in_the_template_is_found_once_and_excludes_apply(tmp_path):
    shutil.copytree(FAKE, tmp_path / "impl")
    root = tmp_path / "impl"
    (root / "asl").mkdir()
    (root / "statemachine.asl.json").rename(root / "asl" / "machine.json")
    template = root / "template.yaml"
    template.write_text(template.read_text().replace("DefinitionUri: statemachine.asl.json",
                                                     "DefinitionUri: asl/machine.json"))
    (root / "tests").mkdir()
    shutil.copy(root / "asl" / "machine.json", root / "tests" / "copy.asl.json")
    found = find_definitions(root, StaticConfig().excludes)
    assert [d.where for d in found] == ["asl/machine.json"]
    # Without the excludes the test copy counts too.
    assert len(find_definitions(root)) == 2
