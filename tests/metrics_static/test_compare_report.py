"""compare.py end to end: the default run on this repository, fixture implementations, bad paths and files,
the HTML parsed strictly, and the page rendered in headless Chromium."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import html5lib
import pytest

from .chromium import chromium_binary, load_page
from .conftest import FIXTURES, REPO

COMPARE = REPO / "compare.py"


def _compare(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(COMPARE), *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


@pytest.fixture(scope="module")
def repo_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    done = _compare("--static-only", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "SLOC" in done.stdout and "wrote" in done.stdout
    return out


@pytest.fixture(scope="module")
def fixture_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fixture-report")
    done = _compare("--impl", f"explicit={FIXTURES / 'pipeline_explicit'}",
                    "--impl", f"durable={FIXTURES / 'pipeline_durable'}",
                    "--common", f"broken={FIXTURES / 'broken'}", "--out", str(out), "--static-only")
    assert done.returncode == 0, done.stderr
    return out


def test_default_run_writes_the_three_files(repo_report):
    assert sorted(p.name for p in repo_report.iterdir()) == ["report.html", "report.json", "report.md"]
    report = json.loads((repo_report / "report.json").read_text())
    # The third implementation joins the default once its directory exists (issue 12).
    expected = ["baseline", "durable_ref"] + (["stepfunctions_ref"] if (REPO / "stepfunctions_ref").is_dir() else [])
    assert list(report["implementations"]) == expected
    assert list(report["common"]) == ["media"]
    for entry in list(report["implementations"].values()) + list(report["common"].values()):
        static = entry["static"]
        for key in ("files", "functions", "loc", "sloc", "lloc", "comments", "blank", "cyclomatic", "cognitive",
                    "error_handling", "state_io_calls", "serialization_sites", "durable_operation_sites",
                    "stages", "findings"):
            assert key in static
        assert static["files"] > 0 and static["sloc"] > 0
        assert set(static["stages"]) == {"validation", "chunking", "encoding", "assembly", "plumbing"}
        assert sum(s["sloc"] for s in static["stages"].values()) == static["sloc"]


def test_fixture_report_json_matches_the_analysis(fixture_report, explicit_static, durable_static):
    report = json.loads((fixture_report / "report.json").read_text())
    for name, expected in (("explicit", explicit_static), ("durable", durable_static)):
        static = report["implementations"][name]["static"]
        for key in ("sloc", "lloc", "cyclomatic", "cognitive", "error_handling", "state_io_calls",
                    "durable_operation_sites", "line_attribution"):
            assert static[key] == expected[key], (name, key)
    summary = report["summary"]["comparisons"][0]
    assert summary["implementation"] == "durable"
    rows = {row["figure"]: row for row in summary["rows"]}
    assert (rows["sloc"]["reference"], rows["sloc"]["other"], rows["sloc"]["difference"]) == (53, 17, 36)
    assert rows["error_handling.conditional_writes"]["difference"] == 2
    assert summary["sentences"][0].startswith("explicit needs 36 more source lines (SLOC): 53 vs 17, 3.12x; ")


def test_a_file_that_does_not_parse_is_listed(fixture_report):
    report = json.loads((fixture_report / "report.json").read_text())
    broken = report["common"]["broken"]["static"]
    assert broken["files"] == 1 and broken["functions"] == 1
    assert [e["file"] for e in broken["parse_errors"]] == ["bad.py"]
    assert "`bad.py` does not parse" in (fixture_report / "report.md").read_text()


def test_markdown_lists_every_finding(fixture_report, explicit_static):
    markdown = (fixture_report / "report.md").read_text()
    for finding in explicit_static["findings"]:
        assert f"| {finding['kind']} | {finding['file']}:{finding['line']} |" in markdown


def test_missing_path_is_a_clear_usage_error(tmp_path):
    done = _compare("--impl", "ghost=does/not/exist", "--out", str(tmp_path), "--static-only")
    assert done.returncode == 2
    assert "ghost: path 'does/not/exist' does not exist" in done.stderr
    assert "Traceback" not in done.stderr
    bad = _compare("--impl", "no-equals-sign")
    assert bad.returncode == 2 and "NAME=PATH" in bad.stderr


def test_excludes_are_configurable(tmp_path):
    done = _compare("--impl", f"explicit={FIXTURES / 'pipeline_explicit'}", "--out", str(tmp_path),
                    "--static-only", "--no-default-excludes", "--exclude", "store.py")
    assert done.returncode == 0, done.stderr
    static = json.loads((tmp_path / "report.json").read_text())["implementations"]["explicit"]["static"]
    assert [f["file"] for f in static["files_detail"]] == ["__main__.py", "encode.py", "local/harness.py",
                                                          "validate.py"]
    assert static["excluded_files"] == ["store.py"]
    # Without store.py the Store wrappers are unknown: their calls are no state I/O, the harness's put_item is.
    assert static["state_io_calls"] == 2 and static["error_handling"]["conditional_writes"] == 2


def test_html_parses_strictly_and_is_self_contained(fixture_report):
    html = (fixture_report / "report.html").read_text()
    document = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
    assert len(document.findall(".//table")) >= 10
    assert sum(1 for e in document.iter() if e.tag == "{http://www.w3.org/2000/svg}svg") == 3
    for element in document.iter():
        for attribute in ("src", "href"):
            value = element.get(attribute, "")
            assert not value or value.startswith("#"), (element.tag, value)
    assert document.find(".//script") is None and document.find(".//link") is None


@pytest.mark.skipif(chromium_binary() is None and not os.environ.get("CI"),
                    reason="Debian's chromium is not installed here (.ci/run installs it, and in CI this test runs)")
def test_report_renders_in_headless_chromium(fixture_report):
    page = load_page(
        (fixture_report / "report.html").as_uri(),
        """JSON.stringify({
            tables: document.querySelectorAll("table").length,
            summaryRows: document.querySelectorAll("table.summary tbody tr").length,
            stageTables: document.querySelectorAll("table.stage").length,
            charts: [...document.querySelectorAll("svg.chart")].filter(s => s.getBoundingClientRect().height > 50).length,
            totalsText: document.querySelector("table.totals").innerText,
            sourceRows: document.querySelectorAll("table.source tr").length,
        })""",
    )
    value = json.loads(page.value)
    assert page.exceptions == [] and page.console_errors == []
    assert [url for url in page.requests if not url.startswith("file://")] == []
    assert value["stageTables"] == 5 and value["charts"] == 3 and value["summaryRows"] > 10
    assert "SLOC\ttool\t53\t17" in value["totalsText"]
    assert value["sourceRows"] == 30 + 16 + 27 + 27  # every line of the analysed files
