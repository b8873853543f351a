"""This machine's cores as the budget of both in-process harnesses: at most one ffmpeg encode per core.

On AWS every encode invocation has its own vCPU. Locally many invocations run at once, so that one's
storage calls overlap another's encode, while this gate keeps the CPU-bound part, the ffmpeg encode, to
one per core. The time an encode waits for a core is reported to the caller, because it is not encoding.
"""
from __future__ import annotations

import contextlib
import os
import threading
import time
from typing import Any, Callable, Iterator
from unittest import mock


class CoreGate:
    """At most ``lanes`` (default: the machine's cores) gated calls at once; ``peak`` is the most that
    ever ran together."""

    def __init__(self, lanes: int | None = None) -> None:
        self.lanes = lanes or os.cpu_count() or 1
        self.peak = 0
        self._slots = threading.BoundedSemaphore(self.lanes)
        self._running = 0
        self._lock = threading.Lock()

    def wrap(self, encode: Callable[..., Any], on_wait: Callable[[float], None]) -> Callable[..., Any]:
        """``encode`` behind the gate; ``on_wait(seconds)`` gets each call's wait for a core, in its thread."""

        def gated(*args: Any, **kwargs: Any) -> Any:
            queued = time.perf_counter()
            with self._slots:
                on_wait(time.perf_counter() - queued)
                with self._lock:
                    self._running += 1
                    self.peak = max(self.peak, self._running)
                try:
                    return encode(*args, **kwargs)
                finally:
                    with self._lock:
                        self._running -= 1

        return gated


class EncodeLanes(CoreGate):
    """The gate around ``media.encode_chunk``, remembering each thread's wait for a core (not encoding
    time) until the harness's step or task recorder takes it."""

    def __init__(self, lanes: int | None = None) -> None:
        super().__init__(lanes)
        self._waits = threading.local()

    def take_wait_s(self) -> float:
        """Seconds this thread waited for a core since the last call."""
        waited = getattr(self._waits, "seconds", 0.0)
        self._waits.seconds = 0.0
        return waited

    def add_wait_s(self, seconds: float) -> None:
        self._waits.seconds = getattr(self._waits, "seconds", 0.0) + seconds


@contextlib.contextmanager
def encode_lanes(lanes: int | None = None) -> Iterator[EncodeLanes]:
    """Every ``media.encode_chunk`` call, in any thread, behind one gate of ``lanes`` cores while open.

    For harnesses whose functions run in this process (the durable runner's steps, the state machine's
    tasks): the orchestration starts every chunk's encoder, as on AWS, and only the ffmpeg encode waits for
    a core, so that one encoder's S3 transfers overlap another's encode."""
    import media  # the shared media core; imported here so the gate alone needs no ffmpeg

    gate = EncodeLanes(lanes)
    with mock.patch.object(media, "encode_chunk", gate.wrap(media.encode_chunk, gate.add_wait_s)):
        yield gate
