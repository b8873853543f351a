"""The Lambda task handlers of the state machine: validate, chunk, encode (one chunk), assemble.

Each is one stage's work, as the durable steps are; retries live in the state machine's ``Retry``. Task
results stay small: the video's summary, each chunk's frame count, the output key. Every S3 key follows
from the job id and a chunk index (``media.layout``), and the media itself stays in S3.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import media
from media import layout
from media.concurrency import run_all

from . import config, storage
from .exceptions import JobIdConflictError, WorkObjectMissingError


def _check_request(event: dict) -> tuple[str, str]:
    """The job id and its input key; a job reads only its own upload, under ``input/{job_id}/``."""
    job_id = layout.check_job_id(event.get("job_id"))
    input_key = layout.check_input_key(event.get("input_key"))
    if not input_key.startswith(f"input/{job_id}/"):
        raise layout.InvalidJobRequestError(f"input key {input_key!r} is not under input/{job_id}/")
    return job_id, input_key


def validate(event: dict, context: object = None) -> dict:
    _, input_key = _check_request(event)
    deployment = config.current()
    with tempfile.TemporaryDirectory() as tmp:
        source, etag = storage.download_input(deployment.bucket, input_key, Path(tmp) / Path(input_key).name)
        info = media.probe(source)
    media.check_limits(info, deployment.settings.limits)
    summary = info.to_dict()
    del summary["keyframes"]  # can run to thousands of entries; the chunk task probes its own copy
    summary["input_etag"] = etag  # the input's identity, recorded on the output at publish
    return summary


def chunk(event: dict, context: object = None) -> list[int]:
    """Split the input into chunks in S3; return each chunk's frame count, in order (the Map's items)."""
    job_id, input_key = _check_request(event)
    deployment = config.current()
    chunk_seconds = deployment.settings.chunk_seconds
    with tempfile.TemporaryDirectory() as tmp:
        source, _ = storage.download_input(deployment.bucket, input_key, Path(tmp) / Path(input_key).name)
        info = media.probe(source)
        plan = media.plan_chunks(info.frames, info.fps, chunk_seconds)
        paths = media.split(source, info, Path(tmp) / "chunks", chunk_seconds)
        run_all(lambda i: storage.upload(paths[i], deployment.bucket, layout.chunk_key(job_id, i)), range(len(paths)))
    return [part.frames for part in plan]


def encode(event: dict, context: object = None) -> None:
    """Encode chunk ``index`` of ``job_id`` from S3 to S3, checking that it kept its ``frames``."""
    job_id, index, frames = layout.check_job_id(event.get("job_id")), int(event["index"]), int(event["frames"])
    deployment = config.current()
    with tempfile.TemporaryDirectory() as tmp:
        source = storage.download_work(deployment.bucket, layout.chunk_key(job_id, index), Path(tmp) / "chunk.mkv")
        target = Path(tmp) / "encoded.mp4"
        encoded_frames = media.encode_chunk(source, target, deployment.settings.encode)
        if encoded_frames != frames:
            raise media.EncodeError(f"encoded chunk has {encoded_frames} frames, expected {frames}")
        storage.upload(target, deployment.bucket, layout.encoded_key(job_id, index))


def assemble(event: dict, context: object = None) -> dict:
    """Concatenate the encoded parts with the source audio, publish the output once, drop the work objects.

    As in the other two: the output is created with ``IfNoneMatch="*"`` and carries its input's key and
    ETag, so a job id reused for another input fails, and a retried task publishes nothing twice."""
    job_id, input_key = _check_request(event)
    video, chunk_count = event["video"], int(event["chunk_count"])
    deployment = config.current()
    output_key = layout.output_key(job_id)
    identity = {"input-key": input_key, "input-etag": video["input_etag"]}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            encoded_keys = [layout.encoded_key(job_id, index) for index in range(chunk_count)]
            parts = run_all(lambda key: storage.download_work(deployment.bucket, key, work / Path(key).name), encoded_keys)
            audio_source = None
            if video["has_audio"]:
                audio_source, _ = storage.download_input(deployment.bucket, input_key, work / Path(input_key).name)
            output = work / "output.mp4"
            media.assemble(parts, audio_source, video["audio_codec"], output, video["frames"])
            ours = storage.publish_once(output, deployment.bucket, output_key, identity) or (
                storage.metadata(deployment.bucket, output_key) == identity
            )
    except WorkObjectMissingError:
        # A retried task whose earlier attempt published and deleted the parts finds them gone.
        if storage.metadata(deployment.bucket, output_key) != identity:
            raise
        ours = True
    if not ours:
        raise JobIdConflictError(f"job id {job_id} is already used for another input")
    storage.delete_prefix(deployment.bucket, layout.work_prefix(job_id))
    return {"job_id": job_id, "chunks": chunk_count, "input_frames": video["frames"],
            "output_key": output_key, "output_frames": video["frames"]}
