"""Deployment settings of the task functions, read once from the environment (the harness sets them with ``use``)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from media import PipelineSettings

DEFAULT_BUCKET = "video-pipeline-media"


@dataclass(frozen=True)
class StepFunctionsRefConfig:
    bucket: str = DEFAULT_BUCKET
    settings: PipelineSettings = field(default_factory=PipelineSettings)

    @classmethod
    def from_environment(cls) -> "StepFunctionsRefConfig":
        settings = PipelineSettings()
        if "CHUNK_SECONDS" in os.environ:
            settings = replace(settings, chunk_seconds=float(os.environ["CHUNK_SECONDS"]))
        return cls(bucket=os.environ.get("MEDIA_BUCKET", DEFAULT_BUCKET), settings=settings)


_active: StepFunctionsRefConfig | None = None


def current() -> StepFunctionsRefConfig:
    global _active
    if _active is None:
        _active = StepFunctionsRefConfig.from_environment()
    return _active


def use(config: StepFunctionsRefConfig | None) -> None:
    """Make ``config`` the settings of every task function in this process (None: the environment's)."""
    global _active
    _active = config
