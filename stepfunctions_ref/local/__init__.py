"""Local harness of the Step Functions pipeline: S3 and Step Functions on moto, the task handlers in process.

Nothing here is deployed.
"""
from .faults import ChunkFaults, InjectedCrash
from .runner import run_local

__all__ = ["run_local", "ChunkFaults", "InjectedCrash"]
