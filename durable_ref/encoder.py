"""The per-chunk encoder Lambda: a durable function whose one step carries the chunk's retry strategy.

A failed attempt is retried inside this execution (the orchestrator's invoke just waits), so a flaky
chunk costs one more encode of that chunk only. It keeps no workflow state of its own.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from aws_durable_execution_sdk_python import DurableContext, StepContext, StepError, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

import media
from media import layout

from . import config, storage
from .exceptions import ChunkFailedError


@durable_step
def encode_step(step: StepContext, job_id: str, index: int, frames: int) -> str:
    """Encode chunk ``index`` of ``job_id`` from S3 to S3; return the encoded part's key."""
    deployment = config.current()
    with tempfile.TemporaryDirectory() as tmp:
        source = storage.download(deployment.bucket, layout.chunk_key(job_id, index), Path(tmp) / "chunk.mkv")
        target = Path(tmp) / "encoded.mp4"
        encoded_frames = media.encode_chunk(source, target, deployment.settings.encode)
        if encoded_frames != frames:
            raise media.EncodeError(f"encoded chunk has {encoded_frames} frames, expected {frames}")
        return storage.upload(target, deployment.bucket, layout.encoded_key(job_id, index))


@durable_execution
def handler(event: dict, context: DurableContext) -> str:
    deployment = config.current()
    attempts = deployment.settings.max_chunk_attempts
    retry = create_retry_strategy(
        RetryStrategyConfig(max_attempts=attempts, initial_delay=Duration.from_seconds(deployment.retry_delay_s))
    )
    try:
        return context.step(
            encode_step(event["job_id"], event["index"], event["frames"]),
            name="encode",
            config=StepConfig(retry_strategy=retry),
        )
    except StepError as error:
        raise ChunkFailedError(f"chunk {event['index']} failed after {attempts} attempts: {error.message}") from None
