"""Local CPU budget: at most ``os.cpu_count()`` chunk encodes (ffmpeg) at once (``local_aws.cores``).

The invoker runs twice as many deliveries as there are cores, so one invocation's storage calls overlap
another's encode, while the gate keeps the encode itself to one per core.
"""
from __future__ import annotations

import contextlib
from typing import Iterator

from local_aws.cores import CoreGate

from .invoker import current_delivery


def _add_wait_to_delivery(seconds: float) -> None:
    delivery = current_delivery.get()
    if delivery is not None:  # time spent waiting for a core is not encode time
        delivery.waited_s += seconds


@contextlib.contextmanager
def encode_slots(slots: int | None = None) -> Iterator[CoreGate]:
    import baseline.encode

    gate = CoreGate(slots)
    inner = baseline.encode.encode_chunk
    baseline.encode.encode_chunk = gate.wrap(inner, _add_wait_to_delivery)
    try:
        yield gate
    finally:
        baseline.encode.encode_chunk = inner
