"""Our radon and lizard figures equal what radon's and lizard's own command lines print for the same files:
the fixtures and the repository's implementations and media core."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from metrics.static import StaticConfig, analyze_implementation

from .conftest import FIXTURES, REPO

DIRECTORIES = [
    FIXTURES / "pipeline_explicit", FIXTURES / "pipeline_durable", FIXTURES / "cases", FIXTURES / "broken",
    REPO / "baseline", REPO / "durable_ref", REPO / "media",
]


def _run(tool: str, *args: str) -> str:
    # As a module of this interpreter: its console script is not on every install's path (a virtualenv
    # over the system's packages, a user install).
    done = subprocess.run([sys.executable, "-m", tool, *args], capture_output=True, text=True, timeout=120)
    assert done.stdout, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def analysed():
    """Every parsed file of the directories, by absolute path, and the analysis it came from."""
    files = {}
    for directory in DIRECTORIES:
        if not any(directory.rglob("*.py")):
            continue
        analysis = analyze_implementation(directory.name, directory, StaticConfig())
        for file in analysis.parsed:
            files[str(directory / file.path)] = file
    return files


def test_raw_figures_equal_radon_raw(analysed):
    cli = json.loads(_run("radon", "raw", "-j", *analysed))
    assert len(cli) == len(analysed) > 20
    for path, file in analysed.items():
        assert file.raw.to_dict() == cli[path], path


def test_cyclomatic_blocks_equal_radon_cc(analysed):
    cli = json.loads(_run("radon", "cc", "-j", *analysed))
    for path, file in analysed.items():
        blocks = {
            (f"{b['classname']}.{b['name']}" if b["type"] == "method" else b["name"], b["lineno"], b["complexity"])
            for b in cli.get(path, []) if b["type"] != "class"
        }
        ours = {(f.name, f.line, f.cyclomatic) for f in file.functions}
        assert ours == blocks, path


def test_maintainability_and_halstead_equal_radon(analysed):
    mi = json.loads(_run("radon", "mi", "-j", *analysed))
    hal = json.loads(_run("radon", "hal", "-j", *analysed))
    for path, file in analysed.items():
        assert file.maintainability_index == pytest.approx(mi[path]["mi"], abs=1e-9), path
        assert file.halstead_volume == pytest.approx(hal[path]["total"]["volume"], abs=1e-9), path


def test_lizard_functions_equal_lizard_cli(analysed):
    rows = list(csv.reader(io.StringIO(_run("lizard", "--csv", *analysed))))
    cli: dict[str, set] = {}
    for nloc, ccn, _tokens, _params, _length, _location, path, name, _long, start, _end in rows:
        cli.setdefault(path, set()).add((name, int(start), int(ccn), int(nloc)))
    for path, file in analysed.items():
        ours = {(f.name, f.line, f.ccn, f.nloc) for f in file.lizard}
        assert ours == cli.get(path, set()), path


def test_every_radon_lizard_disagreement_is_explained(analysed):
    notes = [f.ccn_note for file in analysed.values() for f in file.functions if f.ccn_note]
    assert notes, "the fixtures hold functions on which radon and lizard disagree"
    assert all("(explained:" in note for note in notes), notes
