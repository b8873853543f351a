"""The Step Functions pipeline end to end on moto's ASL interpreter: output, retries, a poison chunk, bad
inputs, job id reuse."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import boto3
import pytest

from media import PipelineSettings, count_frames
from stepfunctions_ref import config
from stepfunctions_ref.local import ChunkFaults, run_local

ONE_SECOND_CHUNKS = replace(PipelineSettings(), chunk_seconds=1.0)


def _keys(session: boto3.Session, prefix: str) -> list[str]:
    listing = session.client("s3").list_objects_v2(Bucket=config.DEFAULT_BUCKET, Prefix=prefix)
    return [item["Key"] for item in listing.get("Contents", [])]


def test_job_succeeds_with_every_frame_and_the_history_figures(tiny_video: Path, tmp_path: Path, session) -> None:
    result = run_local(tiny_video, settings=ONE_SECOND_CHUNKS, output=tmp_path / "out.mp4", job_id="sfn-ok",
                       session=session)
    assert result["status"] == "SUCCEEDED", result["error"]
    assert (result["chunks"], result["input_frames"], result["output_frames"]) == (2, 60, 60)
    assert count_frames(tmp_path / "out.mp4") == 60
    assert result["chunk_attempts"] == [1, 1]
    assert {f: len(s) for f, s in result["invocation_seconds"].items()} == {
        "validate": 1, "chunk": 1, "encode": 2, "assemble": 1}
    # Validate, Chunk, Map, 2 x EncodeChunk, Choice, Assemble.
    assert result["state_transitions"] == 7
    # As on AWS: 23 events of the stages and the Map, 7 per chunk (iteration started and succeeded, task
    # entered, scheduled, started, succeeded, exited): the 25,000-event quota meets 3,568 chunks.
    assert result["execution_history_events"] == 23 + 7 * 2
    assert 0 < result["largest_state_payload_bytes"] < result["state_payload_bytes"] < 10_000
    assert result["map_max_concurrency"] == 100
    assert result["storage_calls"]["s3.PutObject"] == 2 + 2 + 1  # chunks, encoded parts, output
    assert _keys(session, "work/sfn-ok/") == []
    assert _keys(session, "output/") == ["output/sfn-ok.mp4"]


def test_a_chunk_failing_once_is_retried_by_the_state_machine(tiny_video: Path, session) -> None:
    result = run_local(tiny_video, settings=ONE_SECOND_CHUNKS, job_id="sfn-retry", session=session,
                       faults=ChunkFaults(fail_once={1}))
    assert result["status"] == "SUCCEEDED", result["error"]
    assert result["chunk_attempts"] == [1, 2]
    assert result["output_frames"] == 60
    assert result["execution_history_events"] == 23 + 7 * 2 + 3  # the retry: scheduled, started, failed


def test_a_poison_chunk_fails_the_job_after_its_attempts_and_cleans_up(tiny_video: Path, session) -> None:
    result = run_local(tiny_video, settings=ONE_SECOND_CHUNKS, job_id="sfn-poison", session=session,
                       faults=ChunkFaults(fail_always={0}))
    assert result["status"] == "FAILED"
    assert result["error_kind"] == "chunk_failed"
    assert result["error"] == "chunk 0 failed after 3 attempts: injected encode failure of chunk 0"
    # The healthy chunk ran to its end before cleanup (no encoder races the deletion).
    assert result["chunk_attempts"] == [3, 1]
    assert result["invocation_seconds"].keys() >= {"cleanup"} and "assemble" not in result["invocation_seconds"]
    assert _keys(session, "work/sfn-poison/") == []
    assert _keys(session, "output/") == []


@pytest.mark.parametrize(("name", "kind"), [("zero_bytes", "empty_input"), ("text_named_mp4", "not_a_video")])
def test_bad_input_fails_at_once_with_its_kind(name: str, kind: str, bad_inputs: dict[str, Path]) -> None:
    result = run_local(bad_inputs[name], job_id=f"sfn-bad-{name.replace('_', '-')}")
    assert (result["status"], result["error_kind"], result["output"]) == ("FAILED", kind, None)
    assert result["error"]
    assert len(result["invocation_seconds"]["validate"]) == 1  # bad media is not retried


def test_a_job_id_is_an_execution_name(tiny_video: Path, small_video: Path, session) -> None:
    first = run_local(tiny_video, settings=ONE_SECOND_CHUNKS, job_id="sfn-name", session=session)
    again = run_local(tiny_video, settings=ONE_SECOND_CHUNKS, job_id="sfn-name", session=session)
    other = run_local(small_video, settings=ONE_SECOND_CHUNKS, job_id="sfn-name", session=session)
    assert first["status"] == again["status"] == "SUCCEEDED"
    assert again["invocations"] == 0 and again["output_key"] == first["output_key"]
    assert (other["status"], other["error_kind"]) == ("FAILED", "job_id_conflict")
    assert other["error"] == "job id sfn-name is already used for another input"


def test_cli_prints_one_json_object_and_exits_by_outcome(tiny_video: Path, bad_inputs: dict[str, Path],
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from stepfunctions_ref.__main__ import main

    assert main(["run", str(tiny_video), "--chunk-seconds", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["output_frames"] == 60
    assert main(["run", str(bad_inputs["zero_bytes"])]) == 1
    out = capsys.readouterr()
    assert out.out.startswith("FAILED job ") and "(empty_input)" in out.out and "Traceback" not in out.err
    with pytest.raises(SystemExit) as usage:
        main(["run", str(tiny_video), "--chunk-seconds", "0"])
    assert usage.value.code == 2


def test_a_stage_out_of_attempts_fails_with_the_baselines_reason(tiny_video: Path, session,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from stepfunctions_ref import tasks

    def chunk_with_full_disk(event: dict, context: object = None) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(tasks, "chunk", chunk_with_full_disk)
    settings = replace(ONE_SECOND_CHUNKS, max_stage_attempts=2)
    result = run_local(tiny_video, settings=settings, job_id="sfn-stage", session=session)
    assert (result["status"], result["error_kind"]) == ("FAILED", "stage_failed")
    assert result["error"] == "stage chunk did not finish after 2 attempts"
    assert result["step_executions"] == {"validate": 1, "chunk": 2, "cleanup": 1}
    assert _keys(session, "work/sfn-stage/") == []


def test_a_crashed_encoder_counts_as_an_attempt_and_is_retried(tiny_video: Path, session) -> None:
    result = run_local(tiny_video, settings=ONE_SECOND_CHUNKS, job_id="sfn-crash", session=session,
                       faults=ChunkFaults(crash_once={0}))
    assert result["status"] == "SUCCEEDED", result["error"]
    assert result["chunk_attempts"] == [2, 1]


def test_a_timed_out_chunk_is_named_in_the_baselines_words_lowest_index_first(tiny_video: Path, session) -> None:
    from stepfunctions_ref.failure import describe

    timed_out = {"Error": "Sandbox.Timedout", "Cause": json.dumps({"errorMessage": "Task timed out"})}
    kind, reason = describe("encode", None, [{"index": 4, "error": timed_out}, {"index": 2, "error": timed_out}])
    assert kind == "chunk_failed"
    assert reason == "chunk 2 failed after 3 attempts: its encoder stopped before finishing (timeout or crash)"


def test_runs_against_moto_server_in_this_process(tiny_video: Path) -> None:
    from local_aws import AtomicMotoServer

    with AtomicMotoServer() as server:
        result = run_local(tiny_video, settings=ONE_SECOND_CHUNKS, job_id="sfn-server", endpoint_url=server.endpoint_url)
    assert result["status"] == "SUCCEEDED", result["error"]
    assert (result["output_frames"], result["state_transitions"]) == (60, 7)
