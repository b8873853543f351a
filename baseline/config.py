"""Deployment settings of the baseline, read from the function's environment.

All four functions read the same settings; the local harness builds a ``BaselineConfig`` directly so that a
run can choose its chunk length, limits or resource names without touching the environment.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace

from media import PipelineSettings

DEFAULT_BUCKET = "video-pipeline-media"
DEFAULT_TABLE = "video-pipeline-jobs"
STAGES = ("validate", "chunk", "encode", "assemble")


@dataclass(frozen=True)
class BaselineConfig:
    bucket: str = DEFAULT_BUCKET
    table: str = DEFAULT_TABLE
    #: Function name (or ARN) per stage, for the invoker; locally the stage names themselves.
    functions: dict[str, str] = field(default_factory=lambda: {stage: stage for stage in STAGES})
    settings: PipelineSettings = field(default_factory=PipelineSettings)
    #: Job and chunk items expire (DynamoDB TTL) this long after the job was submitted.
    retention_days: int = 30

    def stage_of(self, function_arn: str) -> str | None:
        """The stage whose function ``function_arn`` (an ARN, qualified or not, or a bare name) is."""
        name = _function_name(function_arn)
        return next((stage for stage, function in self.functions.items() if _function_name(function) == name), None)

    def expires_at(self) -> int:
        """The TTL (epoch seconds) to give the items of a job submitted now."""
        return int(time.time()) + self.retention_days * 86_400

    @classmethod
    def from_environment(cls) -> "BaselineConfig":
        settings = PipelineSettings()
        if "CHUNK_SECONDS" in os.environ:
            settings = replace(settings, chunk_seconds=float(os.environ["CHUNK_SECONDS"]))
        if "MAX_CHUNK_ATTEMPTS" in os.environ:
            settings = replace(settings, max_chunk_attempts=int(os.environ["MAX_CHUNK_ATTEMPTS"]))
        return cls(
            bucket=os.environ.get("MEDIA_BUCKET", DEFAULT_BUCKET),
            table=os.environ.get("JOBS_TABLE", DEFAULT_TABLE),
            # Each function only knows the function it hands work to.
            functions={stage: os.environ.get(f"{stage.upper()}_FUNCTION", stage) for stage in STAGES},
            settings=settings,
            retention_days=int(os.environ.get("RETENTION_DAYS", "30")),
        )


def _function_name(function: str) -> str:
    """``arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`` -> NAME; a bare name stays as it is."""
    parts = function.split(":")
    return parts[6] if function.startswith("arn:") and len(parts) > 6 else function
