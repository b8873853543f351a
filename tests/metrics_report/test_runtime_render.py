"""The run-time section and the RQ2/RQ4 answers as rendered: strict HTML, self-contained, charts drawn in
headless Chromium, and the Markdown report."""
from __future__ import annotations

import importlib.util
import json
import os
import sys

import html5lib
import pytest
from markupsafe import escape

from .conftest import CHUNKS, REPO

SVG = "{http://www.w3.org/2000/svg}svg"
# static: 3; run-time: latency per stage, operations by kind, cost by category, cost items; sweep: 4 lines
CHARTS = 3 + 4 + 4
RUNTIME_TABLES = ("runtime-overview", "runtime-latency", "runtime-chunks", "runtime-operations", "runtime-state",
                  "runtime-cost", "runtime-prices", "runtime-sweep", "runtime-quotas", "rq2", "rq4")


def _chromium():
    spec = importlib.util.spec_from_file_location("chromium_cdp", REPO / "tests" / "metrics_static" / "chromium.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


chromium = _chromium()


@pytest.fixture(scope="module")
def document(runtime_run):
    text = (runtime_run.out / "report.html").read_text()
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)


def _table(document, css_class: str):
    return [t for t in document.iter("table") if css_class in (t.get("class") or "").split()]


def _cells(row) -> list[str]:
    return ["".join(cell.itertext()).strip() for cell in row if cell.tag in ("td", "th")]


def test_html_is_strict_self_contained_and_has_every_part(document, runtime_run):
    assert sum(1 for e in document.iter() if e.tag == SVG) == CHARTS
    for element in document.iter():
        for attribute in ("src", "href"):
            value = element.get(attribute, "")
            assert not value or value.startswith("#"), (element.tag, value)
    assert document.find(".//script") is None and document.find(".//link") is None
    for css_class in RUNTIME_TABLES:
        assert _table(document, css_class), css_class
    implementations = runtime_run.report["implementations"]
    assert {"baseline", "durable_ref", "stepfunctions_ref"} <= set(implementations)  # the default: every one
    assert len(_table(document, "runtime-sweep")) == len(implementations)  # one per implementation
    ids = {e.get("id") for e in document.iter() if e.get("id")}
    assert {"section-runtime", "summary-rq1", "summary-rq2", "summary-rq4", "runtime-projection"} <= ids


def test_operations_table_shows_the_measured_counts(document, baseline_rt, durable_rt):
    rows = [_cells(r) for r in _table(document, "runtime-operations")[0].iter("tr")]
    # columns: baseline, durable_ref, stepfunctions_ref (neither of the other two writes DynamoDB)
    by_operation = {tuple(cells[:2]): cells[2:] for cells in rows if len(cells) == 5}
    assert by_operation[("dynamodb", "UpdateItem")] == [str(6 + 3 * CHUNKS), "0", "0"]
    assert by_operation[("s3", "GetObject")] == [str(2 * CHUNKS + 3)] * 3
    total = next(cells[1:] for cells in rows if cells[0] == "the job's storage operations")
    assert total == [str(baseline_rt["workflow_storage_ops"]["total"]), str(durable_rt["workflow_storage_ops"]["total"]),
                     str(4 * CHUNKS + 7)]


def test_summary_answers_rq2_and_rq4_with_the_measured_numbers(runtime_run, baseline_rt, durable_rt):
    page = (runtime_run.out / "report.html").read_text()
    answers = runtime_run.report["summary"]["runtime"]
    assert answers["rq2"]["question"] == "What are the cost implications of external state storage?"
    assert answers["rq4"]["question"] == "Which approach better supports scalable serverless workflows?"
    for sentence in answers["rq2"]["sentences"] + answers["rq4"]["sentences"]:
        assert str(escape(sentence)) in page  # as jinja2 escapes it
    rq2 = " ".join(answers["rq2"]["sentences"])
    assert f"${baseline_rt['cost_usd']['per_1000_videos_usd']:,.4f} per 1,000 videos" in rq2
    assert f"{durable_rt['durable']['operations']} durable operations" in rq2
    rq4 = " ".join(answers["rq4"]["sentences"])
    assert "Projected to 3,552 chunks" in rq4 and "a projection" in rq4
    assert "Durable operations per execution 3,557 of 3,000 operations" in rq4
    rows = {row["label"]: row["values"] for row in answers["rq2"]["rows"]}
    assert rows["storage operations"] == {"baseline": 12 + 7 * CHUNKS, "durable_ref": 4 * CHUNKS + 7,
                                          "stepfunctions_ref": 4 * CHUNKS + 7}


def test_markdown_holds_the_runtime_section_and_the_answers(runtime_run):
    markdown = (runtime_run.out / "report.md").read_text()
    assert "## Run-time behaviour" in markdown and "### Scaling with the number of chunks" in markdown
    assert "### What are the cost implications of external state storage?" in markdown
    assert f"| storage operations of the job | {12 + 7 * CHUNKS} | {4 * CHUNKS + 7} | {4 * CHUNKS + 7} |" in markdown
    assert "#### Projection to ExCamera" in markdown


@pytest.mark.skipif(chromium.chromium_binary() is None and not os.environ.get("CI"),
                    reason="Debian's chromium is not installed here (.ci/run installs it, and in CI this test runs)")
def test_runtime_section_renders_in_headless_chromium(runtime_run):
    page = chromium.load_page(
        (runtime_run.out / "report.html").as_uri(),
        """JSON.stringify({
            charts: [...document.querySelectorAll("svg.chart")].filter(s => s.getBoundingClientRect().height > 50).length,
            lines: document.querySelectorAll("svg.chart polyline").length,
            overview: document.querySelector("table.runtime-overview").innerText,
            overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        })""",
    )
    value = json.loads(page.value)
    assert page.exceptions == [] and page.console_errors == []
    assert [url for url in page.requests if not url.startswith("file://")] == []
    assert value["charts"] == CHARTS
    assert value["lines"] == 4 * 3  # four sweep charts, one line per implementation
    assert "job status\tSUCCEEDED\tSUCCEEDED\tSUCCEEDED" in value["overview"]
    assert value["overflow"] <= 0  # nothing wider than the page


def test_threats_to_validity_are_rendered_in_every_format(runtime_run, document):
    validity = runtime_run.report["validity"]
    threats = [t for c in validity["categories"] for t in c["threats"]]
    assert runtime_run.report["sections"][-1] == "validity"
    section = document.find(".//section[@id='section-validity']")
    assert section is not None
    rows = {row.get("id"): _cells(row) for row in section.iter("tr") if row.get("id")}
    assert set(rows) == {f"threat-{t['id']}" for t in threats}
    for threat in threats:
        cells = rows[f"threat-{threat['id']}"]
        assert cells[0] == threat["title"] and cells[3] == threat["favours"]
        if threat["evidence"]:
            assert threat["evidence"] in cells[1]
    # this run's figures are quoted: the durable orchestrator's billed seconds, the machine's cores
    evidence = {t["id"]: t["evidence"] for t in threats}
    durable = runtime_run.report["implementations"]["durable_ref"]["runtime"]
    orchestrator = durable["lambda"]["by_function"]["orchestrator"]
    assert f"billed {orchestrator['billed_seconds']:.2f} s" in evidence["local-runner"]
    assert f"{os.cpu_count()} cores" in evidence["two-cores"]
    markdown = (runtime_run.out / "report.md").read_text()
    assert "## Threats to validity" in markdown
    assert all(f"| **{t['title']}** |" in markdown for t in threats)
