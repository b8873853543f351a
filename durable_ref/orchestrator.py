"""The durable orchestrator: validate, chunk, encode each chunk in the encoder Lambda, assemble.

The SDK checkpoints every step's result, so a replay skips finished stages and resumes where the last
invocation stopped; retries live in step configs. Step results are small and of fixed size per chunk (the
video's summary, each chunk's frame count, the output key): every S3 key follows from the job id and a chunk
index (``media.layout``), and the media itself stays in S3.
"""
from __future__ import annotations

import functools
import tempfile
from pathlib import Path
from typing import Any, Sequence

from aws_durable_execution_sdk_python import (
    DurableContext,
    DurableOperationError,
    StepContext,
    StepError,
    durable_execution,
    durable_step,
)
from aws_durable_execution_sdk_python.config import CompletionConfig, MapConfig, NestingType, StepConfig

import media
from media import MediaError, layout
from media.concurrency import run_all

from . import config, storage
from .exceptions import JobIdConflictError, StageFailedError, WorkObjectMissingError
from .retries import backoff, is_error_of, step_config


@durable_step
def validate_step(step: StepContext, input_key: str) -> dict:
    deployment = config.current()
    with tempfile.TemporaryDirectory() as tmp:
        source, etag = storage.download_input(deployment.bucket, input_key, Path(tmp) / Path(input_key).name)
        info = media.probe(source)
    media.check_limits(info, deployment.settings.limits)
    summary = info.to_dict()
    # Keyframe positions can run to thousands of entries; the chunk step probes its own copy instead
    # of carrying them through a checkpoint.
    del summary["keyframes"]
    # The input's identity, recorded on the output at publish (see ``assemble_step``).
    summary["input_etag"] = etag
    return summary


@durable_step
def chunk_step(step: StepContext, job_id: str, input_key: str) -> list[int]:
    """Split the input into chunks in S3; return each chunk's frame count, in order.

    That list is all the later stages need: a chunk's and its encoded part's keys follow from the job id
    and the index (``media.layout``). At 2-4 bytes a chunk it stays far below the service's 256 KB
    checkpoint limit at ExCamera's 3,552 chunks."""
    deployment = config.current()
    chunk_seconds = deployment.settings.chunk_seconds
    with tempfile.TemporaryDirectory() as tmp:
        source, _ = storage.download_input(deployment.bucket, input_key, Path(tmp) / Path(input_key).name)
        info = media.probe(source)
        plan = media.plan_chunks(info.frames, info.fps, chunk_seconds)
        paths = media.split(source, info, Path(tmp) / "chunks", chunk_seconds)
        run_all(lambda i: storage.upload(paths[i], deployment.bucket, layout.chunk_key(job_id, i)), range(len(paths)))
    return [chunk.frames for chunk in plan]


def encode_chunk(context: DurableContext, frames: int, index: int, chunks: Sequence[int], *, job_id: str) -> None:
    """One map item: the encoder Lambda encodes chunk ``index`` and checks it kept its ``frames``."""
    context.invoke(
        config.current().encoder_function, {"job_id": job_id, "index": index, "frames": frames}, name=f"encode-{index}"
    )


@durable_step
def assemble_step(step: StepContext, job_id: str, input_key: str, video: dict, chunk_count: int) -> dict:
    """Concatenate the encoded parts with the source audio, publish the output once, drop the work objects.

    The output is created with ``IfNoneMatch="*"`` and carries its input's key and ETag, so that a job id
    reused for another input (after the service forgot the first execution's name) fails rather than
    serving the first job's output, and the same input submitted again publishes nothing twice."""
    deployment = config.current()
    output_key = layout.output_key(job_id)
    identity = {"input-key": input_key, "input-etag": video["input_etag"]}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            encoded_keys = [layout.encoded_key(job_id, index) for index in range(chunk_count)]
            parts = run_all(
                lambda key: storage.download_work(deployment.bucket, key, work / Path(key).name), encoded_keys
            )
            audio_source = None
            if video["has_audio"]:
                audio_source, _ = storage.download_input(deployment.bucket, input_key, work / Path(input_key).name)
            output = work / "output.mp4"
            media.assemble(parts, audio_source, video["audio_codec"], output, video["frames"])
            # Published only now, once every chunk is encoded and the whole file checked. A refused publish
            # means the output exists (an earlier run of this step, or another execution of this job id):
            # it is this job's if it was made from the same input.
            ours = storage.publish_once(output, deployment.bucket, output_key, identity) or (
                storage.metadata(deployment.bucket, output_key) == identity
            )
    except WorkObjectMissingError:
        # A step runs at least once: an invocation that died after publishing and deleting the parts,
        # before this step's result was checkpointed, runs it again and finds the parts gone.
        if storage.metadata(deployment.bucket, output_key) != identity:
            raise
        ours = True
    if not ours:
        raise JobIdConflictError(f"job id {job_id} is already used for another input")
    storage.delete_prefix(deployment.bucket, layout.work_prefix(job_id))
    # media.assemble publishes nothing but an output of exactly the input's frame count.
    return {"output_key": output_key, "output_frames": video["frames"]}


@durable_step
def discard_work_step(step: StepContext, job_id: str) -> int:
    return storage.delete_prefix(config.current().bucket, layout.work_prefix(job_id))


def _stage_config(deployment: config.DurableRefConfig) -> StepConfig:
    return step_config(backoff(deployment.settings.max_stage_attempts, deployment.retry_delay_s, final=(MediaError,)))


def _run_stage(context: DurableContext, name: str, step: Any, stage_config: StepConfig, attempts: int) -> Any:
    """``context.step`` of a stage; a stage that ran out of attempts fails with the baseline's message."""
    try:
        return context.step(step, name=name, config=stage_config)
    except StepError as error:
        if is_error_of(error.error_type, MediaError):
            raise  # about the input or the job, not retried: its own kind and message
        raise StageFailedError(f"stage {name} did not finish after {attempts} attempts") from None


def _encode_config(deployment: config.DurableRefConfig) -> MapConfig:
    return MapConfig(
        max_concurrency=deployment.max_concurrency,
        # Items are bare invokes, so FLAT saves a context operation per chunk.
        nesting_type=NestingType.FLAT,
        # Let every chunk settle before deciding, so that cleanup cannot race a running encoder.
        completion_config=CompletionConfig.all_completed(),
    )


def _check_input_scope(job_id: str, input_key: str) -> None:
    """A job reads only its own upload, as in the baseline: the input key is under ``input/{job_id}/``."""
    if not input_key.startswith(f"input/{job_id}/"):
        raise layout.InvalidJobRequestError(f"input key {input_key!r} is not under input/{job_id}/")


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    job_id = layout.check_job_id(event.get("job_id"))
    input_key = layout.check_input_key(event.get("input_key"))
    _check_input_scope(job_id, input_key)
    deployment = config.current()
    stage = _stage_config(deployment)
    attempts = deployment.settings.max_stage_attempts

    video = _run_stage(context, "validate", validate_step(input_key), stage, attempts)
    try:
        chunks = _run_stage(context, "chunk", chunk_step(job_id, input_key), stage, attempts)
        encoded = context.map(
            chunks, functools.partial(encode_chunk, job_id=job_id), name="encode", config=_encode_config(deployment)
        )
        encoded.throw_if_error()
        published = _run_stage(context, "assemble", assemble_step(job_id, input_key, video, len(chunks)), stage, attempts)
    except (DurableOperationError, MediaError):
        # A stage or a chunk failed for good (not a suspension or an invocation error, which the SDK
        # must see to replay): drop the work objects, then fail the execution with the same reason.
        context.step(discard_work_step(job_id), name="cleanup", config=stage)
        raise
    return {"job_id": job_id, "chunks": len(chunks), "input_frames": video["frames"], **published}
