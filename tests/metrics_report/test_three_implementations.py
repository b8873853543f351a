"""compare.py with three implementations, one of them a Step Functions design: the fake of
tests/metrics_static/fixtures/pipeline_stepfunctions beside a Lambda-shaped copy of it (no definition, no
transitions). Every format carries the definition figures and the measured transitions; the summary
compares each implementation with the first."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from media.synthetic import make_video

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "metrics_static" / "fixtures"
FAKE = FIXTURES / "pipeline_stepfunctions"

_LAMBDA_SHAPED = '''from pipeline_stepfunctions.local import run_local as _run_local


def run_local(video, **kwargs):
    result = _run_local(video, **kwargs)
    for key in ("state_transitions", "execution_history_events", "state_payload_bytes"):
        del result[key]
    return result
'''


@pytest.fixture(scope="module")
def three(tmp_path_factory) -> tuple[Path, dict, str]:
    tmp = tmp_path_factory.mktemp("three")
    lam = tmp / "fake_lambda"
    shutil.copytree(FAKE, lam)
    (lam / "statemachine.asl.json").unlink()
    template = lam / "template.yaml"
    template.write_text(template.read_text().split("  PipelineStateMachine:")[0])
    (lam / "local" / "__init__.py").write_text(_LAMBDA_SHAPED)
    video = make_video(tmp / "tiny.mp4", seconds=1, width=160, height=120, fps=30, keyframe_seconds=0.5)
    out = tmp / "out"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(FIXTURES), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, str(REPO / "compare.py"), "--impl", f"lam={lam}",
                           "--impl", f"sfn={FAKE}", "--impl", f"sfn2={FAKE}", "--input", str(video),
                           "--chunk-seconds", "0.5", "--no-warm-up", "--no-faults", "--quiet", "--out", str(out)],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return out, json.loads((out / "report.json").read_text()), done.stdout


def test_json_holds_the_definition_and_the_measured_transitions(three):
    _, report, _ = three
    lam, sfn = report["implementations"]["lam"], report["implementations"]["sfn"]
    assert lam["static"]["definition"]["files"] == 0 and sfn["static"]["definition"]["states"] == 7
    assert sfn["static"]["error_handling"]["catchers"] == 2 and sfn["static"]["error_handling_paths"] == 2
    assert sfn["runtime"]["step_functions"]["state_transitions"] == 8
    assert sfn["runtime"]["step_functions_reference_usd"]["basis"] == "measured"
    assert lam["runtime"]["step_functions"] is None
    assert lam["runtime"]["step_functions_reference_usd"]["basis"] == "reference"
    # The summary compares each of the others with the first.
    assert [c["implementation"] for c in report["summary"]["comparisons"]] == ["sfn", "sfn2"]
    rows = {r["figure"]: r for r in report["summary"]["comparisons"][0]["rows"]}
    assert (rows["definition.lines"]["reference"], rows["definition.lines"]["other"]) == (0, 53)
    assert (rows["error_handling_paths"]["reference"], rows["error_handling_paths"]["other"]) == (0, 2)
    rq2 = report["summary"]["runtime"]["rq2"]
    values = {r["figure"]: r["values"] for r in rq2["rows"]}
    assert values["step_functions.state_transitions"] == {"lam": None, "sfn": 8, "sfn2": 8}
    assert any(s.startswith("sfn is a Step Functions Standard workflow: 8 state transitions") for s in rq2["sentences"])


def test_markdown_html_and_terminal_show_them(three):
    out, _, stdout = three
    markdown = (out / "report.md").read_text()
    assert "| definition: states | state machine definition | 0 | 7 | 7 |" in markdown
    assert "| Step Functions transitions / history events / state payload bytes | – / – / – | 8 / 18 / 800 |" \
        in markdown
    html = (out / "report.html").read_text()
    assert "definition: Task states (orchestration)" in html and "8 (measured)" in html and "7 (reference)" in html
    assert "sfn also has 53 lines of state machine definition" in stdout
