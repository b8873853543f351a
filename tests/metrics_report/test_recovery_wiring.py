"""The default compare.py run includes a small sample of the crash-point matrix on both pipelines, and the
report shows it; --no-faults leaves it out."""
from __future__ import annotations

import html5lib

from .conftest import CompareRun, compare


def test_default_run_samples_crash_points_on_both_pipelines(runtime_run: CompareRun) -> None:
    for name in ("baseline", "durable_ref"):
        recovery = runtime_run.report["implementations"][name]["recovery"]
        assert recovery["mode"] == "sample"
        assert recovery["crash_points"] == 2 == len(recovery["rows"])
        # Every sampled crash is survived: one output, no duplicate, frames as in the fault-free run.
        assert recovery["survived"] == recovery["crash_points"]
        assert recovery["lost_outputs"] == 0 and recovery["duplicate_outputs"] == 0
        assert all(row["survived"] for row in recovery["rows"])
    assert "recovery" in runtime_run.report["sections"]
    assert "recovery baseline crash 2/2" in runtime_run.stderr


def test_recovery_section_is_rendered(runtime_run: CompareRun) -> None:
    text = (runtime_run.out / "report.html").read_text()
    document = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)
    section = document.find(".//section[@id='section-recovery']")
    assert section is not None
    cells = "".join(section.itertext())
    for row in runtime_run.report["implementations"]["baseline"]["recovery"]["rows"]:
        assert row["id"].split("/")[0] in cells


def test_no_faults_skips_recovery(tmp_path, tiny_video) -> None:
    done = compare("--input", str(tiny_video), "--chunk-seconds", "0.5", "--no-faults", "--no-warm-up", "--impl",
                   "baseline=baseline", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr[-2000:]
    import json

    report = json.loads((tmp_path / "report.json").read_text())
    assert "recovery" not in report["implementations"]["baseline"]
    assert "recovery" not in report["sections"]
    # --no-warm-up: the timed run was the first job of the process tree
    assert report["runtime"]["warm_up"] is None and "warmed up" not in done.stderr
