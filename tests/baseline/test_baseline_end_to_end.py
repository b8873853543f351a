"""End to end on moto: real ffmpeg encoding, frames kept, state and storage as designed."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import av
import pytest

import media
from baseline.local import run_local

from .conftest import run_job


def _duration_s(path: Path) -> float:
    with av.open(str(path)) as container:
        return container.duration / 1_000_000


def test_a_job_keeps_every_frame_and_leaves_only_input_output_and_items(session, small_video, tmp_path) -> None:
    run = run_job(session, small_video, tmp_path)
    info = media.probe(small_video)
    result = run.result
    assert result["status"] == "SUCCEEDED", result
    assert (result["chunks"], result["input_frames"], result["output_frames"]) == (2, info.frames, info.frames)
    output = Path(result["output"])
    assert len(media.framemd5(output)) == info.frames  # every frame decodes
    assert abs(_duration_s(output) - _duration_s(small_video)) <= 1 / info.fps
    assert media.probe(output).has_audio
    # Each chunk encoded once, one assembly, one output object, nothing left in work/.
    assert run.faults.encodes == Counter({0: 1, 1: 1}) and run.faults.assemblies == 1
    assert run.output_puts == 1
    assert run.keys == ["input/job-1/small.mp4", "output/job-1.mp4"]
    job = run.job
    assert (job["stage"], job["status"], job["chunk_count"], job["chunks_done"]) == ("assemble", "SUCCEEDED", 2, 2)
    assert "pending" not in job and "lease_owner" not in job and job["expires_at"] > 0
    assert [(c["sk"], c["status"], c["attempts"]) for c in run.chunks] == [("CHUNK#00000", "DONE", 1), ("CHUNK#00001", "DONE", 1)]
    assert not run.dead_letters


def test_happy_path_makes_the_storage_operations_the_design_needs(session, small_video, tmp_path) -> None:
    """Per handler, the exact calls worked out by hand (README.md, section 'The baseline'): 6 + 3N UpdateItems in all."""
    calls: list[str] = []
    session.events.register("before-call", lambda model, **_: calls.append(f"{model.service_model.service_name}.{model.name}"))
    run = run_job(session, small_video, tmp_path)
    update, get, put, invoke = "dynamodb.UpdateItem", "s3.GetObject", "s3.PutObject", "lambda.Invoke"
    by_stage = {}
    for delivery in run.deliveries:
        by_stage.setdefault(delivery.stage, []).append(delivery.operations)
    assert by_stage["validate"] == [[update, get, update, invoke]]
    assert by_stage["chunk"] == [[update, get, put, put, update, invoke, invoke]]
    assert sorted(by_stage["encode"]) == [[update, get, put, update, update], [update, get, put, update, update, invoke]]
    assert sorted(by_stage["assemble"][0][1:4]) == [get, get, get]  # two parts and the source audio, in parallel
    assert by_stage["assemble"][0][:1] + by_stage["assemble"][0][4:] == [update, put, update, "s3.DeleteObjects"]
    handler_calls = Counter(op for d in run.deliveries for op in d.operations if op != invoke)
    assert handler_calls["dynamodb.UpdateItem"] == 6 + 3 * 2
    assert run.result["storage_calls"] == {**handler_calls, invoke: 4}
    # A counter on the run's Session sees exactly those calls and the client's upload of the input: the
    # harness's set-up and read-back go through an uncounted twin Session.
    assert Counter(calls) == handler_calls + Counter({put: 1})


@pytest.mark.parametrize("fixture", ["small_video_unaligned", "silent_video"])
def test_unaligned_keyframes_and_silent_sources_keep_their_frames(fixture, request, tmp_path) -> None:
    video = request.getfixturevalue(fixture)
    result = run_local(video, output=tmp_path / "out.mp4")
    frames = media.probe(video).frames
    assert result["status"] == "SUCCEEDED", result
    assert result["output_frames"] == media.count_frames(tmp_path / "out.mp4") == frames
    assert result["chunks"] == -(-frames // 60)
    assert len(result["chunk_latency_s"]) == result["chunks"]
    assert set(result["stage_latency_s"]) == {"validate", "chunk", "encode", "assemble"}
    assert media.probe(tmp_path / "out.mp4").has_audio == media.probe(video).has_audio


def test_runs_against_moto_server_mode_with_every_event_delivered_twice(small_video, tmp_path) -> None:
    """State kept by moto's server (what crash tests with worker processes need), via endpoint_url."""
    from local_aws import AtomicMotoServer

    with AtomicMotoServer() as server:
        result = run_local(small_video, endpoint_url=server.endpoint_url, copies=2, output=tmp_path / "out.mp4")
    assert result["status"] == "SUCCEEDED", result
    assert result["output_frames"] == media.count_frames(tmp_path / "out.mp4") == media.probe(small_video).frames
    assert result["invocations"]["validate"] == 2
