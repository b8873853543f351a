"""The durable orchestrator: validate, chunk, encode each chunk in the encoder Lambda, assemble.

The SDK checkpoints every step's result, so a replay skips finished stages and resumes where the last
invocation stopped; retries live in step configs. Step results are S3 keys and small metadata; the media
itself stays in S3.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Sequence

from aws_durable_execution_sdk_python import (
    DurableContext,
    DurableOperationError,
    StepContext,
    durable_execution,
    durable_step,
)
from aws_durable_execution_sdk_python.config import (
    CompletionConfig,
    Duration,
    MapConfig,
    NestingType,
    StepConfig,
)
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy
from botocore.exceptions import BotoCoreError, ClientError

import media
from media import layout
from media.concurrency import run_all

from . import config, storage

#: Failures worth another attempt of a stage (network, disk). A MediaError is about the input itself
#: and would fail the same way again.
TRANSIENT_ERRORS: list[type[Exception]] = [BotoCoreError, ClientError, OSError]


@durable_step
def validate_step(step: StepContext, input_key: str) -> dict:
    deployment = config.current()
    with tempfile.TemporaryDirectory() as tmp:
        source = storage.download(deployment.bucket, input_key, Path(tmp) / Path(input_key).name)
        info = media.probe(source)
    media.check_limits(info, deployment.settings.limits)
    summary = info.to_dict()
    # Keyframe positions can run to thousands of entries; the chunk step probes its own copy instead
    # of carrying them through a checkpoint.
    del summary["keyframes"]
    return summary


@durable_step
def chunk_step(step: StepContext, job_id: str, input_key: str) -> list[dict]:
    """Split the input into chunks in S3; return one encoder request per chunk."""
    deployment = config.current()
    chunk_seconds = deployment.settings.chunk_seconds
    with tempfile.TemporaryDirectory() as tmp:
        source = storage.download(deployment.bucket, input_key, Path(tmp) / Path(input_key).name)
        info = media.probe(source)
        plan = media.plan_chunks(info.frames, info.fps, chunk_seconds)
        paths = media.split(source, info, Path(tmp) / "chunks", chunk_seconds)
        run_all(lambda i: storage.upload(paths[i], deployment.bucket, layout.chunk_key(job_id, i)), range(len(paths)))
    return [{"job_id": job_id, "index": chunk.index, "frames": chunk.frames} for chunk in plan]


def encode_chunk(context: DurableContext, chunk: dict, index: int, chunks: Sequence[dict]) -> str:
    """One map item: the encoder Lambda encodes the chunk and returns the encoded part's key."""
    return context.invoke(config.current().encoder_function, chunk, name=f"encode-{index}")


@durable_step
def assemble_step(step: StepContext, job_id: str, input_key: str, video: dict, encoded_keys: list[str]) -> dict:
    """Concatenate the encoded parts with the source audio, publish the output, drop the work objects."""
    deployment = config.current()
    output_key = layout.output_key(job_id)
    # A step runs at least once: an invocation that died after publishing (or after deleting the parts)
    # but before this step's result was checkpointed runs it again, and the parts may be gone by then.
    if not storage.exists(deployment.bucket, output_key):
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            parts = run_all(lambda key: storage.download(deployment.bucket, key, work / Path(key).name), encoded_keys)
            audio_source = None
            if video["has_audio"]:
                audio_source = storage.download(deployment.bucket, input_key, work / Path(input_key).name)
            output = work / "output.mp4"
            media.assemble(parts, audio_source, video["audio_codec"], output, video["frames"])
            # Published only now, once every chunk is encoded and the whole file checked.
            storage.upload(output, deployment.bucket, output_key)
    storage.delete_prefix(deployment.bucket, layout.work_prefix(job_id))
    # media.assemble publishes nothing but an output of exactly the input's frame count.
    return {"output_key": output_key, "output_frames": video["frames"]}


@durable_step
def discard_work_step(step: StepContext, job_id: str) -> int:
    return storage.delete_prefix(config.current().bucket, layout.work_prefix(job_id))


def _stage_config(deployment: config.DurableRefConfig) -> StepConfig:
    return StepConfig(
        retry_strategy=create_retry_strategy(
            RetryStrategyConfig(
                max_attempts=deployment.settings.max_stage_attempts,
                initial_delay=Duration.from_seconds(deployment.retry_delay_s),
                retryable_error_types=TRANSIENT_ERRORS,
            )
        )
    )


def _encode_config(deployment: config.DurableRefConfig) -> MapConfig:
    return MapConfig(
        max_concurrency=deployment.max_concurrency,
        # Items are bare invokes, so FLAT saves a context operation per chunk.
        nesting_type=NestingType.FLAT,
        # Let every chunk settle before deciding, so that cleanup cannot race a running encoder.
        completion_config=CompletionConfig.all_completed(),
    )


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    job_id = layout.check_job_id(event.get("job_id"))
    input_key = layout.check_input_key(event.get("input_key"))
    deployment = config.current()
    stage = _stage_config(deployment)

    video = context.step(validate_step(input_key), name="validate", config=stage)
    try:
        chunks = context.step(chunk_step(job_id, input_key), name="chunk", config=stage)
        encoded = context.map(chunks, encode_chunk, name="encode", config=_encode_config(deployment))
        encoded.throw_if_error()
        published = context.step(
            assemble_step(job_id, input_key, video, encoded.get_results()), name="assemble", config=stage
        )
    except DurableOperationError:
        # A stage or a chunk failed for good (not a suspension or an invocation error, which the SDK
        # must see to replay): drop the work objects, then fail the execution with the same reason.
        context.step(discard_work_step(job_id), name="cleanup", config=stage)
        raise
    return {"job_id": job_id, "chunks": len(chunks), "input_frames": video["frames"], **published}
