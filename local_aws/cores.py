"""This machine's cores as the budget of both in-process harnesses: at most one ffmpeg encode per core.

On AWS every encode invocation has its own vCPU. Locally many invocations run at once, so that one's
storage calls overlap another's encode, while this gate keeps the CPU-bound part, the ffmpeg encode, to
one per core. The time an encode waits for a core is reported to the caller, because it is not encoding.
"""
from __future__ import annotations

import os
import threading
import time
from typing import Any, Callable


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
