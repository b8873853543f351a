"""The Step Functions pipeline against the other two: the same video frame for frame, the same failure reasons."""
from __future__ import annotations

from pathlib import Path

import baseline.local
import durable_ref.local
import media
import stepfunctions_ref.local


def test_step_functions_output_matches_the_durable_one_frame_for_frame(small_video_unaligned: Path,
                                                                         tmp_path: Path) -> None:
    # The unaligned source exercises the shared chunker's re-cut path, as the two-pipeline test does.
    outputs = {}
    for name, run_local in (("durable", durable_ref.local.run_local), ("sfn", stepfunctions_ref.local.run_local)):
        result = run_local(small_video_unaligned, output=tmp_path / f"{name}.mp4", job_id=f"same3-{name}")
        assert result["status"] == "SUCCEEDED", result["error"]
        assert result["chunks"] == 3 and result["input_frames"] == result["output_frames"] == 150
        outputs[name] = media.framemd5(tmp_path / f"{name}.mp4")
    assert len(outputs["sfn"]) == 150
    assert outputs["sfn"] == outputs["durable"]
    assert media.probe(tmp_path / "sfn.mp4").has_audio


def test_step_functions_fails_bad_input_with_the_baselines_reason(bad_inputs: dict[str, Path]) -> None:
    outcomes = [run_local(bad_inputs["truncated_mp4"], job_id="bad3-truncated")
                for run_local in (baseline.local.run_local, stepfunctions_ref.local.run_local)]
    assert [o["status"] for o in outcomes] == ["FAILED", "FAILED"]
    assert outcomes[0]["error"] == outcomes[1]["error"] and outcomes[1]["error"]
    assert outcomes[0]["error_kind"] == outcomes[1]["error_kind"]
    assert outcomes[1]["output"] is None
