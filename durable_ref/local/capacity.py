"""This machine stands in for many encoder Lambdas: at most ``os.cpu_count()`` chunk encodes run at once.

The orchestrator's map starts every chunk's encoder, as it does on AWS. Only the CPU-bound part, the
ffmpeg encode, waits here for one of the machine's cores, so that one encoder's S3 transfers overlap
another's encode, exactly as the baseline's local gate (``baseline/local/cpu.py``) does.
"""
from __future__ import annotations

import contextlib
import os
import threading
import time
from typing import Any, Callable, Iterator
from unittest import mock

import media


class EncodeLanes:
    """A gate of ``lanes`` cores around ``media.encode_chunk`` that remembers each thread's wait for a core
    (not encoding time) and the most encodes that ever ran at once."""

    def __init__(self, lanes: int) -> None:
        self.lanes = lanes
        self.peak = 0
        self._slots = threading.BoundedSemaphore(lanes)
        self._running = 0
        self._lock = threading.Lock()
        self._waits = threading.local()

    def take_wait_s(self) -> float:
        """Seconds this thread waited for a core since the last call."""
        waited = getattr(self._waits, "seconds", 0.0)
        self._waits.seconds = 0.0
        return waited

    def gate(self, encode: Callable[..., Any]) -> Callable[..., Any]:
        def encode_chunk(*args: Any, **kwargs: Any) -> Any:
            queued = time.perf_counter()
            with self._slots:
                self._waits.seconds = getattr(self._waits, "seconds", 0.0) + time.perf_counter() - queued
                with self._lock:
                    self._running += 1
                    self.peak = max(self.peak, self._running)
                try:
                    return encode(*args, **kwargs)
                finally:
                    with self._lock:
                        self._running -= 1

        return encode_chunk


@contextlib.contextmanager
def encode_lanes(lanes: int | None = None) -> Iterator[EncodeLanes]:
    gate = EncodeLanes(lanes or os.cpu_count() or 1)
    with mock.patch.object(media, "encode_chunk", gate.gate(media.encode_chunk)):
        yield gate
