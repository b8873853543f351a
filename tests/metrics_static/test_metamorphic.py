"""Metamorphic tests: equivalent rewrites of the real baseline/ and durable_ref/ sources, generated here by
program transformations into tmp_path (so they follow the code as it changes), must give the same
error-handling and state counts as the originals, and the state line attribution within 10%.

Rewrites: every state request built by a helper (`op(**_request(...))`); DynamoDB attributes and local
names renamed (`attempts` -> `claims`, `job` -> `record`, `context` -> `wf`, ...); S3 client calls turned
into the resource API (`s3.Object(b, k).put(...)`); a wrapper (in a new module) around every state
operation; the
`while True` retry loop turned into `for _ in itertools.count()`; and issue 11's reviewer case (a request
helper with `attempts` renamed `claims`).
"""
from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from metrics.static import StaticConfig, analyze_implementation, static_figures

from .conftest import REPO

STATE_COUNTS = ("state_io_calls", "serialization_sites", "durable_operation_sites")
_STATE_OPERATIONS = {"update_item", "put_item", "get_item", "delete_item", "query", "put_object", "get_object",
                     "head_object", "delete_objects"}


def _state_calls(tree: ast.Module) -> list[ast.Call]:
    """Outermost calls of a boto3 state operation in the file."""
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
             and n.func.attr in _STATE_OPERATIONS]
    return [c for c in calls if not any(o is not c and _within(c, o) for o in calls)]


def _within(inner: ast.AST, outer: ast.AST) -> bool:
    return (outer.lineno, outer.col_offset) <= (inner.lineno, inner.col_offset) and \
        (inner.end_lineno, inner.end_col_offset) <= (outer.end_lineno, outer.end_col_offset)


def _splice(source: str, edits: list[tuple[ast.AST, str]]) -> str:
    """Replace each node's source text with the given text (nodes do not overlap)."""
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line.encode()))
    data = source.encode()
    for node, text in sorted(edits, key=lambda e: (e[0].lineno, e[0].col_offset), reverse=True):
        start = offsets[node.lineno - 1] + node.col_offset
        end = offsets[node.end_lineno - 1] + node.end_col_offset
        data = data[:start] + text.encode() + data[end:]
    return data.decode()


def _append_after_imports(source: str, text: str) -> str:
    tree = ast.parse(source)
    last = max((n.end_lineno for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))), default=0)
    lines = source.splitlines(keepends=True)
    return "".join(lines[:last]) + text + "".join(lines[last:])


def request_by_helper(source: str) -> str:
    calls = _state_calls(ast.parse(source))
    if not calls:
        return source
    edits = []
    for call in calls:
        arguments = ", ".join(ast.unparse(k) if k.arg else f"**{ast.unparse(k.value)}" for k in call.keywords)
        positional = "".join(f"{ast.unparse(a)}, " for a in call.args)
        edits.append((call, f"{ast.unparse(call.func)}({positional}**_request({arguments}))"))
    helper = "\n\ndef _request(**fields):\n    request = {}\n    request.update(fields)\n    return request\n\n"
    return _append_after_imports(_splice(source, edits), helper)


def wrapper_added(source: str, added: set[str]) -> str:
    """Every state operation called through a one-line wrapper of a new module `_state_wrappers.py`."""
    calls = [c for c in _state_calls(ast.parse(source)) if not c.args]
    if not calls:
        return source
    edits, operations = [], set()
    for call in calls:
        operations.add(call.func.attr)
        arguments = "".join(f", {ast.unparse(k)}" if k.arg else f", **{ast.unparse(k.value)}" for k in call.keywords)
        edits.append((call, f"_{call.func.attr}_wrapped({ast.unparse(call.func.value)}{arguments})"))
    added |= operations
    names = ", ".join(f"_{op}_wrapped" for op in sorted(operations))
    return _append_after_imports(_splice(source, edits), f"from ._state_wrappers import {names}\n")


WRAPPERS_MODULE = "_state_wrappers.py"


def _wrappers_module(operations: set[str]) -> str:
    return "".join(f"def _{op}_wrapped(receiver, **request):\n    return receiver.{op}(**request)\n\n\n"
                   for op in sorted(operations))


_S3_RESOURCE = {"put_object": "put", "get_object": "get", "head_object": "load"}


def resource_api(source: str) -> str:
    tree = ast.parse(source)
    edits = []
    for call in _state_calls(tree):
        keywords = {k.arg: k.value for k in call.keywords}
        if call.func.attr not in _S3_RESOURCE or "Bucket" not in keywords or "Key" not in keywords:
            continue
        rest = ", ".join(ast.unparse(k) for k in call.keywords if k.arg not in ("Bucket", "Key"))
        obj = f"boto3.resource('s3').Object({ast.unparse(keywords['Bucket'])}, {ast.unparse(keywords['Key'])})"
        edits.append((call, f"{obj}.{_S3_RESOURCE[call.func.attr]}({rest})"))
    if not edits:
        return source
    return _append_after_imports(_splice(source, edits), "import boto3\n")


_RENAMES = {"attempts": "claims", "job": "jobrec", "rt": "envt", "lease": "ticket", "table": "tbl",
            "context": "wf", "item": "entry", "refused": "lost_write", "rejected": "declined"}


def renamed(source: str) -> str:
    taken = _identifiers_and_strings(source)
    for old, new in _RENAMES.items():
        assert new not in taken, f"{new!r} is already used: the rename would not be equivalent"
        source = re.sub(rf"\b{old}\b", new, source)
    return source


def _identifiers_and_strings(source: str) -> set[str]:
    """Identifiers and the words of string literals that are not docstrings or other bare strings."""
    tree = ast.parse(source)
    bare = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
    names = set()
    for node in ast.walk(tree):
        if id(node) in bare:
            continue
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.update(re.findall(r"\w+", node.value))
    return names


def loop_shape(source: str) -> str:
    if "while True:" not in source:
        return source
    return _append_after_imports(source.replace("while True:", "for _round in itertools.count():"),
                                 "import itertools\n")


def reviewer_case(source: str) -> str:
    """Issue 11's reviewer: requests built by a `_request()` helper and the attribute `attempts` named `claims`."""
    return re.sub(r"\battempts\b", "claims", request_by_helper(source))


REWRITES = {"request_by_helper": request_by_helper, "wrapper_added": wrapper_added, "resource_api": resource_api,
            "renamed": renamed, "loop_shape": loop_shape, "reviewer_case": reviewer_case}


def _figures(root: Path) -> dict:
    analysis = analyze_implementation(root.name, root, StaticConfig(), media_dir=REPO / "media")
    figures = static_figures(analysis)
    # State lines of the files both versions have (a rewrite's new module is new code).
    figures["state_lines_of_original_files"] = sum(
        1 for file in analysis.parsed if file.path != WRAPPERS_MODULE
        for cls in file.line_classes if cls is not None and cls.value == "state")
    return figures


def _rewrite(source_dir: Path, target: Path, rewrite) -> int:
    shutil.copytree(source_dir, target, ignore=shutil.ignore_patterns("__pycache__"))
    changed, added = 0, set()
    for path in target.rglob("*.py"):
        text = path.read_text()
        new = rewrite(text, added) if rewrite is wrapper_added else rewrite(text)
        ast.parse(new)  # every rewrite must still be Python
        if new != text:
            path.write_text(new)
            changed += 1
    if added:
        (target / WRAPPERS_MODULE).write_text(_wrappers_module(added))
    return changed


@pytest.fixture(scope="module")
def originals() -> dict:
    return {name: _figures(REPO / name) for name in ("baseline", "durable_ref")}


@pytest.mark.parametrize("implementation", ["baseline", "durable_ref"])
@pytest.mark.parametrize("rewrite", sorted(REWRITES))
def test_equivalent_rewrites_keep_the_counts(originals, tmp_path, implementation, rewrite):
    target = tmp_path / implementation
    _rewrite(REPO / implementation, target, REWRITES[rewrite])
    original = originals[implementation]
    figures = _figures(target)
    assert figures["error_handling"] == original["error_handling"]
    assert {k: figures[k] for k in STATE_COUNTS} == {k: original[k] for k in STATE_COUNTS}
    before, after = original["line_attribution"]["state"], figures["state_lines_of_original_files"]
    assert abs(after - before) <= 0.1 * before, (before, after)


def test_every_rewrite_changes_some_file(tmp_path):
    """Each rewrite has something to rewrite in at least one implementation (else it would test nothing)."""
    for name, rewrite in REWRITES.items():
        changed = sum(_rewrite(REPO / impl, tmp_path / name / impl, rewrite) for impl in ("baseline", "durable_ref"))
        assert changed > 0, name
