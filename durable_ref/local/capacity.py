"""This machine stands in for many encoder Lambdas: at most ``os.cpu_count()`` chunk encodes run at once.

The orchestrator's map starts every chunk's encoder, as it does on AWS. Only the CPU-bound part, the
ffmpeg encode, waits for one of the machine's cores (``local_aws.cores``, the gate the baseline's local
harness uses too), so that one encoder's S3 transfers overlap another's encode.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Iterator
from unittest import mock

import media
from local_aws.cores import CoreGate


class EncodeLanes(CoreGate):
    """The gate around ``media.encode_chunk``, remembering each thread's wait for a core (not encoding
    time) until the step recorder takes it."""

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
    gate = EncodeLanes(lanes)
    with mock.patch.object(media, "encode_chunk", gate.wrap(media.encode_chunk, gate.add_wait_s)):
        yield gate
