"""At most ``os.cpu_count()`` chunk encodes at once, the gate the other two harnesses use (``local_aws.cores``)."""
from __future__ import annotations

import contextlib
import threading
from typing import Iterator
from unittest import mock

import media
from local_aws.cores import CoreGate


class EncodeLanes(CoreGate):
    """The gate around ``media.encode_chunk``, remembering each thread's wait for a core until taken."""

    def __init__(self, lanes: int | None = None) -> None:
        super().__init__(lanes)
        self._waits = threading.local()

    def take_wait_s(self) -> float:
        waited = getattr(self._waits, "seconds", 0.0)
        self._waits.seconds = 0.0
        return waited

    def add_wait_s(self, seconds: float) -> None:
        self._waits.seconds = getattr(self._waits, "seconds", 0.0) + seconds


@contextlib.contextmanager
def encode_lanes(lanes: int | None = None) -> Iterator[EncodeLanes]:
    gate = EncodeLanes(lanes)
    with mock.patch.object(media, "encode_chunk", gate.wrap(media.encode_chunk, gate.add_wait_s)):
        yield gate
