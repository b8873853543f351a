"""compare.py's run-time options: bad values are usage errors (exit 2, a reason, no traceback) found before
anything is analysed or encoded; --static-only runs no pipeline."""
from __future__ import annotations

import importlib.util
import json

import pytest

from .conftest import REPO

FIXTURES = REPO / "tests" / "metrics_static" / "fixtures"


def _compare_module():
    spec = importlib.util.spec_from_file_location("compare_cli", REPO / "compare.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


compare_cli = _compare_module()


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = compare_cli.main(list(argv))
    except SystemExit as exit_:  # argparse
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("argv, reason", [
    (["--repeat", "0"], "--repeat: must be at least 1"),
    (["--retention-days", "120"], "--retention-days: must be 1 to 90"),
    (["--memory-mb", "64"], "--memory-mb: must be 128 to 10240"),
    (["--chunk-seconds", "0"], "--chunk-seconds: must be greater than 0"),
    (["--chunk-seconds", "nan"], "--chunk-seconds: must be at least 0"),
    (["--sweep-chunks", "4"], "need two or more different chunk counts"),
    (["--sweep-chunks", "4,x"], "expected chunk counts such as 4,16,64,256"),
])
def test_bad_values_are_usage_errors(capsys, tmp_path, argv, reason):
    code, out, err = _run(capsys, *argv, "--out", str(tmp_path))
    assert code == 2 and reason in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())


def test_missing_or_unreadable_input_is_a_usage_error(capsys, tmp_path):
    code, _, err = _run(capsys, "--input", str(tmp_path / "nope.mp4"), "--out", str(tmp_path))
    assert code == 2 and f"--input '{tmp_path / 'nope.mp4'}' is not a file" in err
    text = tmp_path / "text.mp4"
    text.write_text("not a video\n" * 10)
    code, _, err = _run(capsys, "--input", str(text), "--out", str(tmp_path / "out"))
    assert code == 2 and "cannot be used" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_bad_price_file_is_a_usage_error(capsys, tmp_path, tiny_video):
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"prices": {"lambda_request": {"usd": -1, "per": 1}}}))
    code, _, err = _run(capsys, "--input", str(tiny_video), "--prices", str(prices), "--out", str(tmp_path / "o"))
    assert code == 2 and "lambda_request" in err and str(prices) in err


def test_an_implementation_without_a_harness_needs_static_only(capsys, tmp_path):
    code, _, err = _run(capsys, "--impl", f"explicit={FIXTURES / 'pipeline_explicit'}", "--out", str(tmp_path))
    assert code == 2 and "explicit:" in err and "no local harness" in err and "--static-only" in err
    code, out, _ = _run(capsys, "--impl", f"explicit={FIXTURES / 'pipeline_explicit'}", "--static-only",
                        "--out", str(tmp_path))
    report = json.loads((tmp_path / "report.json").read_text())
    assert code == 0 and "runtime" not in report and "runtime" not in report["implementations"]["explicit"]
    assert report["sections"] == ["static", "summary", "validity"]
    assert report["validity"]["threats"] == sum(len(c["threats"]) for c in report["validity"]["categories"]) > 0


def test_memory_and_retention_options_override_every_template(tmp_path):
    from metrics.report.runtime_section import _cost_settings

    options = compare_cli.options_from(compare_cli.parse_args(["--out", str(tmp_path)]))
    from_templates = _cost_settings(options)
    assert from_templates["baseline"].memory_of("validate") != from_templates["baseline"].memory_of("chunk")
    assert from_templates["durable_ref"].durable_retention_of("encoder") != \
        from_templates["durable_ref"].durable_retention_of("orchestrator")
    options = compare_cli.options_from(compare_cli.parse_args(
        ["--memory-mb", "1024", "--retention-days", "7", "--out", str(tmp_path)]))
    overridden = _cost_settings(options)
    for settings in overridden.values():
        assert {settings.memory_of(f) for f in ("validate", "chunk", "orchestrator", "encoder")} == {1024}
        assert settings.state_retention_days == settings.durable_retention_of("encoder") == settings.work_days == 7
        assert "--memory-mb 1024" in settings.source and "--retention-days 7" in settings.source
