"""Local CPU budget: at most ``os.cpu_count()`` chunk encodes (ffmpeg) at once.

On AWS every encode invocation has its own vCPU. Locally the invoker runs twice as many deliveries as
there are cores, so one invocation's storage calls overlap another's encode, while this gate keeps the
CPU-bound part, the ffmpeg encode, to one per core.
"""
from __future__ import annotations

import contextlib
import os
import threading
import time
from typing import Iterator

from .invoker import current_delivery


@contextlib.contextmanager
def encode_slots(slots: int | None = None) -> Iterator[None]:
    import baseline.encode

    gate = threading.BoundedSemaphore(slots or os.cpu_count() or 1)
    inner = baseline.encode.encode_chunk

    def encode_chunk(source, target, settings):  # type: ignore[no-untyped-def]
        queued = time.perf_counter()
        with gate:
            delivery = current_delivery.get()
            if delivery is not None:  # time spent waiting for a core is not encode time
                delivery.waited_s += time.perf_counter() - queued
            return inner(source, target, settings)

    baseline.encode.encode_chunk = encode_chunk
    try:
        yield
    finally:
        baseline.encode.encode_chunk = inner
