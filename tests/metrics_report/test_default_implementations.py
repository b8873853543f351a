"""Which implementations compare.py compares: the known ones present (stepfunctions_ref once it exists),
or with --all every package with a template and a local harness."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import compare
from metrics.report.options import default_implementations, discovered_implementations

REPO = Path(__file__).resolve().parents[2]


def _package(root: Path, name: str, *, template: bool = True, local: str | None = "local") -> None:
    (root / name).mkdir()
    (root / name / "__init__.py").write_text("")
    if template:
        (root / name / "template.yaml").write_text("Resources: {}\n")
    if local == "local":
        (root / name / "local").mkdir()
    elif local == "local.py":
        (root / name / "local.py").write_text("")


def test_defaults_follow_the_tree(tmp_path):
    _package(tmp_path, "baseline")
    _package(tmp_path, "durable_ref")
    assert [name for name, _ in default_implementations(tmp_path)] == ["baseline", "durable_ref"]
    _package(tmp_path, "stepfunctions_ref", local="local.py")
    assert [name for name, _ in default_implementations(tmp_path)] == ["baseline", "durable_ref", "stepfunctions_ref"]


def test_all_finds_every_implementation_known_ones_first(tmp_path):
    for name in ("aaa_temporal", "durable_ref", "baseline", "stepfunctions_ref"):
        _package(tmp_path, name)
    _package(tmp_path, "media", template=False, local=None)  # the shared core: no template
    _package(tmp_path, "half_done", local=None)  # no local harness: cannot run
    found = [name for name, _ in discovered_implementations(tmp_path)]
    assert found == ["baseline", "durable_ref", "stepfunctions_ref", "aaa_temporal"]


def test_all_and_impl_exclude_each_other():
    args = compare.parse_args(["--all"])
    assert compare._implementations(args) == discovered_implementations()
    done = subprocess.run([sys.executable, str(REPO / "compare.py"), "--all", "--impl", "x=baseline",
                           "--static-only"], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 2 and "--all and --impl exclude each other" in done.stderr
    assert "Traceback" not in done.stderr
