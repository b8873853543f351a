"""This machine stands in for many encoder Lambdas: at most ``os.cpu_count()`` chunk encodes run at once.

The orchestrator's map starts every chunk's encoder, as it does on AWS, and each encode step waits here
for one of the machine's cores; the baseline's local invoker runs at most as many handlers at once.
"""
from __future__ import annotations

import contextlib
import os
import threading
from typing import Any, Callable, Iterator
from unittest import mock

from aws_durable_execution_sdk_python import StepContext

from .instrument import STEP_FACTORIES, around


@contextlib.contextmanager
def encode_lanes(lanes: int | None = None) -> Iterator[int]:
    lanes = lanes or os.cpu_count() or 1
    slots = threading.BoundedSemaphore(lanes)

    def hold_a_core(step_context: StepContext, args: tuple, run: Callable[[], Any]) -> Any:
        with slots:
            return run()

    module, attribute = STEP_FACTORIES["encode"]
    with mock.patch.object(module, attribute, around(getattr(module, attribute), hold_a_core)):
        yield lanes
