"""Deployment settings of the durable pipeline, read once from the function's environment.

Both functions (orchestrator and encoder) read the same settings. The local harness replaces them with
``use`` so that a run can choose its chunk length or bucket without touching the environment.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from media import PipelineSettings

DEFAULT_BUCKET = "video-pipeline-media"
DEFAULT_ENCODER_FUNCTION = "video-pipeline-durable-encoder"


@dataclass(frozen=True)
class DurableRefConfig:
    bucket: str = DEFAULT_BUCKET
    #: Name or qualified ARN of the encoder; on AWS a durable function is invoked by version or alias.
    encoder_function: str = DEFAULT_ENCODER_FUNCTION
    #: Encoder invocations one job keeps in flight (the map's max_concurrency). Each is its own Lambda, so
    #: this is not bounded by the orchestrator's cores; locally the harness runs at most os.cpu_count().
    max_concurrency: int = 100
    #: First retry delay in seconds; later retries back off exponentially.
    retry_delay_s: int = 2
    settings: PipelineSettings = field(default_factory=PipelineSettings)

    @classmethod
    def from_environment(cls) -> "DurableRefConfig":
        defaults = cls()
        settings = defaults.settings
        if "CHUNK_SECONDS" in os.environ:
            settings = replace(settings, chunk_seconds=float(os.environ["CHUNK_SECONDS"]))
        if "MAX_CHUNK_ATTEMPTS" in os.environ:
            settings = replace(settings, max_chunk_attempts=int(os.environ["MAX_CHUNK_ATTEMPTS"]))
        return cls(
            bucket=os.environ.get("MEDIA_BUCKET", DEFAULT_BUCKET),
            encoder_function=os.environ.get("ENCODER_FUNCTION", DEFAULT_ENCODER_FUNCTION),
            max_concurrency=int(os.environ.get("MAX_CONCURRENCY", defaults.max_concurrency)),
            settings=settings,
        )


_active: DurableRefConfig | None = None


def current() -> DurableRefConfig:
    global _active
    if _active is None:
        _active = DurableRefConfig.from_environment()
    return _active


def use(config: DurableRefConfig | None) -> None:
    """Make ``config`` the settings of both functions in this process (None: back to the environment's)."""
    global _active
    _active = config
