"""One job per job id: execution names as the service applies them, and the output published once with its
input's identity (the guard left when the service has forgotten an execution's name)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import media
from durable_ref import config
from durable_ref.local import run_job, run_local
from durable_ref.local.execution_names import REGISTRY_BUCKET
from media import layout
from metrics.runtime.checkpoint_sizes import watching_execution_stores

BUCKET = config.DEFAULT_BUCKET
CONFLICT = "job id {} is already used for another input"


def keys(session, prefix: str) -> list[str]:
    listing = session.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return [item["Key"] for item in listing.get("Contents", [])]


def output_etag(session, job_id: str) -> str:
    return session.client("s3").head_object(Bucket=BUCKET, Key=layout.output_key(job_id))["ETag"]


def forget_execution_names(session) -> None:
    """What the service does when an execution's retention period ends."""
    s3 = session.client("s3")
    for item in s3.list_objects_v2(Bucket=REGISTRY_BUCKET).get("Contents", []):
        s3.delete_object(Bucket=REGISTRY_BUCKET, Key=item["Key"])


def test_same_job_submitted_again_returns_the_first_execution(small_video: Path, tmp_path: Path, session) -> None:
    first = run_local(small_video, job_id="job-twice", session=session)
    with watching_execution_stores() as stores:
        again = run_local(small_video, job_id="job-twice", output=tmp_path / "again.mp4", session=session)

    assert first["status"] == again["status"] == "SUCCEEDED", again["error"]
    assert stores == []  # the service started no execution for the name it knows
    assert again["output_key"] == first["output_key"] and again["step_executions"] == first["step_executions"]
    assert again["output_frames"] == media.count_frames(tmp_path / "again.mp4") == 120
    assert keys(session, "output/") == [layout.output_key("job-twice")]
    # The output carries its input's identity.
    head = session.client("s3").head_object(Bucket=BUCKET, Key=layout.output_key("job-twice"))
    input_head = session.client("s3").head_object(Bucket=BUCKET, Key=layout.input_key("job-twice", "small.mp4"))
    assert head["Metadata"] == {"input-key": layout.input_key("job-twice", "small.mp4"), "input-etag": input_head["ETag"]}


def test_job_id_reused_for_another_input_is_refused_and_keeps_the_first_job(
    small_video: Path, silent_video: Path, tmp_path: Path, session
) -> None:
    first = run_local(small_video, job_id="job-reused", session=session)
    published = output_etag(session, "job-reused")
    same_name = tmp_path / small_video.name  # another video under the first one's name
    shutil.copy(silent_video, same_name)

    with watching_execution_stores() as stores:
        outcomes = [run_local(video, job_id="job-reused", session=session) for video in (silent_video, same_name)]

    assert first["status"] == "SUCCEEDED"
    for outcome in outcomes:
        assert (outcome["status"], outcome["error_kind"]) == ("FAILED", "job_id_conflict")
        assert outcome["error"] == CONFLICT.format("job-reused") and outcome["output_key"] is None
    assert stores == []  # refused before any execution started
    # The first job's output and input are untouched.
    assert output_etag(session, "job-reused") == published
    input_object = session.client("s3").get_object(Bucket=BUCKET, Key=layout.input_key("job-reused", "small.mp4"))
    assert input_object["Body"].read() == small_video.read_bytes()


def test_after_the_names_expire_the_published_output_still_tells_the_inputs_apart(
    small_video: Path, silent_video: Path, session
) -> None:
    first = run_local(small_video, job_id="job-old", session=session)
    published = output_etag(session, "job-old")
    forget_execution_names(session)
    session.client("s3").upload_file(str(silent_video), BUCKET, layout.input_key("job-old", "other.mp4"))

    other = run_job("job-old", layout.input_key("job-old", "other.mp4"), session=session)
    forget_execution_names(session)  # the refused execution's name too
    same = run_job("job-old", layout.input_key("job-old", small_video.name), session=session)

    # Another input: encoded, then refused at publish; its work objects are dropped.
    assert (other["status"], other["error_kind"], other["error"]) == ("FAILED", "job_id_conflict", CONFLICT.format("job-old"))
    assert other["step_executions"]["assemble"] == 1 and other["step_executions"]["cleanup"] == 1
    # The same input: a new execution whose publish is refused, and the job succeeds on the first output.
    assert same["status"] == "SUCCEEDED", same["error"]
    assert same["output_key"] == first["output_key"] == layout.output_key("job-old")
    assert same["step_executions"]["assemble"] == 1
    assert output_etag(session, "job-old") == published and keys(session, "output/") == [layout.output_key("job-old")]
    assert keys(session, "work/") == []
