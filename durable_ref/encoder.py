"""The per-chunk encoder Lambda: a durable function whose one step carries the chunk's retry strategy.

A failed attempt is retried inside this execution (the orchestrator's invoke just waits), so a flaky
chunk costs one more encode of that chunk only. It keeps no workflow state of its own and returns nothing:
the encoded part's key follows from the job id and the index.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from aws_durable_execution_sdk_python import DurableContext, StepContext, StepError, durable_execution, durable_step
from aws_durable_execution_sdk_python.exceptions import StepInterruptedError

import media
from media import layout

from . import config, storage
from .exceptions import ChunkFailedError, WorkObjectMissingError
from .retries import backoff, is_error_of, step_config


@durable_step
def encode_step(step: StepContext, job_id: str, index: int, frames: int) -> None:
    """Encode chunk ``index`` of ``job_id`` from S3 to S3, checking that it kept its ``frames``."""
    deployment = config.current()
    with tempfile.TemporaryDirectory() as tmp:
        source = storage.download_work(deployment.bucket, layout.chunk_key(job_id, index), Path(tmp) / "chunk.mkv")
        target = Path(tmp) / "encoded.mp4"
        encoded_frames = media.encode_chunk(source, target, deployment.settings.encode)
        # The shared core counts the frames it wrote; a part that lost or gained frames would only be
        # caught at assembly, after every other chunk was encoded.
        if encoded_frames != frames:
            raise media.EncodeError(f"encoded chunk has {encoded_frames} frames, expected {frames}")
        storage.upload(target, deployment.bucket, layout.encoded_key(job_id, index))


@durable_execution
def handler(event: dict, context: DurableContext) -> None:
    deployment = config.current()
    attempts = deployment.settings.max_chunk_attempts
    # A missing chunk stays missing: fail at once with its own kind, as the baseline does.
    retry = backoff(attempts, deployment.retry_delay_s, final=(WorkObjectMissingError,))
    try:
        context.step(
            encode_step(event["job_id"], event["index"], event["frames"]),
            name="encode",
            config=step_config(retry),
        )
    except StepError as error:
        if is_error_of(error.error_type, WorkObjectMissingError):
            raise WorkObjectMissingError(error.message) from None
        reason = error.message
        if is_error_of(error.error_type, StepInterruptedError):
            reason = "its encoder stopped before finishing (timeout or crash)"  # the baseline's words
        raise ChunkFailedError(f"chunk {event['index']} failed after {attempts} attempts: {reason}") from None
