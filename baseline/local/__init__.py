"""Local harness of the baseline (not deployed): runs the four handlers and the failure handler in process,
as Lambda would, against moto in process (default) or any endpoint such as moto's server."""
from .faults import CrashInjector, CrashPoint, InjectedCrash, MediaFaults
from .invoker import Delivery, LocalInvoker
from .run import LocalPipeline, Progress, run_local

__all__ = [
    "run_local", "LocalPipeline", "LocalInvoker", "Delivery", "Progress", "MediaFaults", "CrashInjector",
    "CrashPoint", "InjectedCrash",
]
