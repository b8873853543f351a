"""Both pipelines, same input and settings: the same video, frame for frame, and the same failure reasons."""
from __future__ import annotations

from pathlib import Path

import pytest

import baseline.local
import durable_ref.local
import media


def test_both_pipelines_produce_identical_frames(small_video_unaligned: Path, tmp_path: Path) -> None:
    # The unaligned source exercises the lossless re-cut path of the shared chunker on both sides.
    results = {}
    for name, run_local in (("baseline", baseline.local.run_local), ("durable_ref", durable_ref.local.run_local)):
        results[name] = run_local(small_video_unaligned, output=tmp_path / f"{name}.mp4", job_id=f"same-{name.replace('_', '-')}")
    for result in results.values():
        assert result["status"] == "SUCCEEDED", result["error"]
        assert result["chunks"] == 3 and result["input_frames"] == result["output_frames"] == 150
    baseline_frames = media.framemd5(tmp_path / "baseline.mp4")
    durable_frames = media.framemd5(tmp_path / "durable_ref.mp4")
    assert len(baseline_frames) == 150
    assert baseline_frames == durable_frames
    assert media.probe(tmp_path / "baseline.mp4").has_audio and media.probe(tmp_path / "durable_ref.mp4").has_audio


@pytest.mark.parametrize("name", ["zero_bytes", "truncated_mp4"])
def test_both_pipelines_fail_bad_input_with_the_same_reason(name: str, bad_inputs: dict[str, Path]) -> None:
    outcomes = [
        run_local(bad_inputs[name], job_id=f"bad-{name.replace('_', '-')}")
        for run_local in (baseline.local.run_local, durable_ref.local.run_local)
    ]
    assert [o["status"] for o in outcomes] == ["FAILED", "FAILED"]
    assert outcomes[0]["error"] == outcomes[1]["error"] and outcomes[0]["error"]
    assert outcomes[0]["error_kind"] == outcomes[1]["error_kind"]
    assert [o["output"] for o in outcomes] == [None, None]
