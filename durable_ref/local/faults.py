"""Chunk failures the local harness can inject, none of them in deployable code."""
from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator
from unittest import mock

from aws_durable_execution_sdk_python import StepContext
from aws_durable_execution_sdk_python.exceptions import RetryableSerDesError

from media import EncodeError

from .instrument import STEP_FACTORIES, around, chunk_index


class InjectedCrash(RetryableSerDesError):
    """The encoder's invocation died mid-step (timeout, out of memory).

    Of the errors a step can raise, only this kind escapes the step's retry strategy and fails the whole
    invocation, leaving the step STARTED with no result, as a killed process would.
    """


@dataclass
class ChunkFaults:
    #: Chunk indices whose first encode attempt fails.
    fail_once: set[int] = field(default_factory=set)
    #: Chunk indices whose every encode attempt fails.
    fail_always: set[int] = field(default_factory=set)
    #: Chunk indices whose first encode dies with its invocation, before the step records anything.
    crash_once: set[int] = field(default_factory=set)
    _crashed: set[int] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextlib.contextmanager
    def installed(self) -> Iterator["ChunkFaults"]:
        def inject(step_context: StepContext, args: tuple, run: Callable[[], Any]) -> Any:
            index = chunk_index(args)
            with self._lock:
                crash = index in self.crash_once and index not in self._crashed
                self._crashed.add(index) if crash else None
            if crash:
                raise InjectedCrash(f"injected crash of chunk {index}")
            if index in self.fail_always or (index in self.fail_once and step_context.attempt == 1):
                raise EncodeError(f"injected encode failure of chunk {index}")
            return run()

        module, attribute = STEP_FACTORIES["encode"]
        with mock.patch.object(module, attribute, around(getattr(module, attribute), inject)):
            yield self
