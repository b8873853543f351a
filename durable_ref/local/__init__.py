"""Local harness of the durable pipeline: S3 on moto, both functions in the SDK's local test runner.

Nothing here is deployed; static metrics leave this package out.
"""
from .faults import ChunkFaults, InjectedCrash
from .instrument import StepRecorder
from .runner import run_job, run_local

__all__ = ["run_local", "run_job", "ChunkFaults", "InjectedCrash", "StepRecorder"]
