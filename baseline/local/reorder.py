"""Events out of order: Lambda's asynchronous queue keeps no order, and a duplicate can arrive much later.

An event cannot arrive before it was sent, so "out of order" for this pipeline means an old copy of an
event arriving after the job has moved on. Both invokers deliver every event once, in order, and keep a
second copy (its own request id, as a duplicate has) to deliver later:

- ``StaleDuplicatesInvoker`` delivers the held copies of earlier stages as soon as a later stage is
  invoked, so a validate event arrives while chunk runs, a chunk event while the encodes run, encode
  events while assemble runs;
- ``LateDuplicatesInvoker`` delivers every held copy after the job has ended, newest first.
"""
from __future__ import annotations

import json
import threading
import uuid

from baseline.config import STAGES

from .invoker import Delivery, LocalInvoker


class _HoldingInvoker(LocalInvoker):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.held: list[tuple[str, dict]] = []
        self.late_deliveries = 0
        self._held_lock = threading.Lock()

    def invoke(self, stage: str, event: dict) -> None:
        payload = json.loads(json.dumps(event))
        self._submit(Delivery(stage, payload, request_id=str(uuid.uuid4())))
        with self._held_lock:
            self.held.append((stage, payload))

    def _deliver_copy(self, stage: str, payload: dict) -> None:
        self.late_deliveries += 1
        self._submit(Delivery(stage, payload, request_id=str(uuid.uuid4())))

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the job, then deliver what is still held, newest first, one at a time."""
        while True:
            if not super().wait(timeout):
                return False
            with self._held_lock:
                if not self.held:
                    return True
                stage, payload = self.held.pop()
            self._deliver_copy(stage, payload)


class LateDuplicatesInvoker(_HoldingInvoker):
    """Every event again, newest first, after the job has ended."""


class StaleDuplicatesInvoker(_HoldingInvoker):
    """Every event again, delivered when a later stage is invoked (the rest after the job has ended)."""

    def invoke(self, stage: str, event: dict) -> None:
        order = STAGES.index(stage)
        with self._held_lock:
            stale = [held for held in self.held if STAGES.index(held[0]) < order]
            self.held = [held for held in self.held if STAGES.index(held[0]) >= order]
        super().invoke(stage, event)
        for held_stage, payload in stale:
            self._deliver_copy(held_stage, payload)
