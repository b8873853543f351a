"""Failure recovery of both pipelines (research question 3): a crash at every point before and after each
storage operation, duplicates, events out of order, throttling, a poison chunk and bad input, each run in
worker processes that really die, checked against what must hold and measured for what recovery cost.

    from metrics.recovery import run_matrix, run_recovery
    recovery = run_matrix("baseline", mode="full", progress=print)   # implementations.baseline.recovery
"""
from .checks import Expectation, StoreView, Verdict, check_run
from .injectors import CrashOnce, HangOnce, Throttler
from .matrix import (
    RecoveryMatrix,
    INPUT,
    SECTIONS,
    RecoveryProgress,
    matrix_input,
    matrix_settings,
    run_matrix,
    run_recovery,
    summarise_crashes,
)
from .points import CrashPoint, enumerate_points, sample_points
from .server import moto_server_process

__all__ = [
    "run_matrix", "run_recovery", "RecoveryMatrix", "RecoveryProgress", "SECTIONS", "INPUT", "matrix_input", "matrix_settings",
    "summarise_crashes", "CrashPoint", "enumerate_points", "sample_points", "CrashOnce", "HangOnce", "Throttler",
    "Expectation", "StoreView", "Verdict", "check_run", "moto_server_process",
]
