"""Cognitive complexity against hand counts, stage attribution rules, and detector edge cases."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from metrics.static import analyze_source
from metrics.static.cognitive import cognitive_complexity
from metrics.static.stages import line_stages, stage_of_name

CASES = Path(__file__).parent / "fixtures" / "cases"

# Counted by hand; the increments are annotated on the lines of cognitive_cases.py.
EXPECTED_COGNITIVE = {
    "straight": 0, "nested_loops": 6, "chain": 3, "handlers": 4, "booleans": 8, "ternary_and_lambda": 4,
    "outer": 3, "decorator": 1, "loop_else": 4, "matcher": 1,
}


def test_cognitive_complexity_matches_hand_counts():
    source = (CASES / "cognitive_cases.py").read_text()
    lines = source.splitlines()
    functions = {n.name: n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}
    assert {name: cognitive_complexity(node, lines)[0] for name, node in functions.items()} == EXPECTED_COGNITIVE


def test_cognitive_increments_are_on_the_annotated_lines():
    source = (CASES / "cognitive_cases.py").read_text()
    lines = source.splitlines()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef):
            for line, amount in cognitive_complexity(node, lines)[1]:
                assert "# +" in lines[line - 1], (node.name, line, amount)


@pytest.mark.parametrize("name, stage", [
    ("validate_step", "validation"), ("chunk_step", "chunking"), ("encode_chunk", "encoding"),
    ("ChunkEncoder", "chunking"), ("assemble_step", "assembly"), ("handler", None), ("encoder", "encoding"),
])
def test_stage_of_name_takes_the_first_stage_word(name, stage):
    assert stage_of_name(name) == stage


def test_stage_rules_override_then_file_then_innermost_name():
    source = (
        "def handler():\n"            # 1 plumbing
        "    def encode_one():\n"     # 2 encoding (innermost name)
        "        return 1\n"          # 3
        "    return encode_one\n"     # 4 plumbing
        "def helper():  # stage: chunking\n"  # 5 override
        "    return 2\n"              # 6
        "def odd():  # stage: nonsense\n"     # 7 unknown: warned, plumbing
        "    return 3\n"
    )
    stages, warnings = line_stages("orchestrator.py", ast.parse(source), source.splitlines())
    assert stages == ["plumbing", "encoding", "encoding", "plumbing", "chunking", "chunking", "plumbing", "plumbing"]
    assert warnings == ["orchestrator.py:7: unknown stage 'nonsense' in '# stage:' comment "
                        "(known: validation, chunking, encoding, assembly, plumbing)"]
    # A file named for a stage keeps it, except where a comment overrides.
    stages, _ = line_stages("assemble.py", ast.parse(source), source.splitlines())
    assert stages == ["assembly"] * 4 + ["chunking"] * 2 + ["assembly"] * 2


def test_transactions_and_kwargs_conditions_count_once():
    source = (
        "def write(client, items, key):\n"
        "    client.transact_write_items(TransactItems=items)\n"
        "    request = {'TableName': 't', 'Key': key}\n"
        "    request['ConditionExpression'] = 'attribute_not_exists(pk)'\n"
        "    client.put_item(**request)\n"
        "    client.put_item(TableName='t', Item={})\n"
        "    client.get_object(Bucket='b', Key='k', IfMatch='etag')\n"
    )
    result = analyze_source("store.py", source)
    kinds = [(f.kind.value, f.line) for f in result.findings if f.kind.value in ("conditional_write", "state_io_call")]
    assert kinds == [
        ("conditional_write", 2), ("state_io_call", 2),  # a transaction: conditional, counted once
        ("conditional_write", 5), ("state_io_call", 5),  # the condition comes through **request
        ("state_io_call", 6),                            # unconditional
        ("state_io_call", 7),                            # IfMatch on a read is no conditional write
    ]


def test_retry_loop_needs_a_handler_that_goes_round():
    source = (
        "def a(op):\n"
        "    while True:\n"           # retry: the handler falls through
        "        try:\n"
        "            return op()\n"
        "        except OSError:\n"
        "            pass\n"
        "def b(items):\n"
        "    for item in items:\n"    # not a retry: iterates items
        "        try:\n"
        "            item()\n"
        "        except OSError:\n"
        "            continue\n"
        "def c(op):\n"
        "    for attempt in range(3):\n"  # not a retry: the handler leaves the loop
        "        try:\n"
        "            return op()\n"
        "        except OSError:\n"
        "            raise\n"
    )
    retries = [f.line for f in analyze_source("x.py", source).findings if f.kind.value == "retry_construct"]
    assert retries == [2]


def test_unparseable_source_is_reported_not_raised():
    result = analyze_source("bad.py", "def broken(:\n    pass\n")
    assert result.parse_error is not None and "line 1" in result.parse_error
    assert result.findings == [] and result.functions == []
