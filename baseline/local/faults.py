"""Faults the local harness can inject, none of them in deployable code.

- ``MediaFaults`` wraps the media functions the handlers call (``encode_chunk``, ``assemble``) to count
  their real executions and to make given chunks fail once or always.
- ``CrashInjector`` kills a handler before or after its n-th storage operation or invoke, as a Lambda
  timeout or out-of-memory would: it raises ``InjectedCrash``, which is not an ``Exception``, so no
  ``except Exception`` in a handler can catch it.
"""
from __future__ import annotations

import collections
import contextlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from media import EncodeError


class InjectedCrash(BaseException):
    """The handler's process died here."""


@dataclass
class MediaFaults:
    #: Chunk indices whose first encode attempt fails.
    fail_once: set[int] = field(default_factory=set)
    #: Chunk indices whose every encode attempt fails.
    fail_always: set[int] = field(default_factory=set)
    encodes: collections.Counter = field(default_factory=collections.Counter)
    assemblies: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextlib.contextmanager
    def installed(self) -> Iterator["MediaFaults"]:
        import baseline.assemble
        import baseline.encode

        real_encode, real_assemble = baseline.encode.encode_chunk, baseline.assemble.assemble_video

        def encode_chunk(source, target, settings):  # type: ignore[no-untyped-def]
            index = int(Path(source).stem)  # the encode handler names its local copy after the chunk
            with self._lock:
                self.encodes[index] += 1
                attempt = self.encodes[index]
            if index in self.fail_always or (index in self.fail_once and attempt == 1):
                raise EncodeError(f"injected encode failure of chunk {index}")
            return real_encode(source, target, settings)

        def assemble_video(*args, **kwargs):  # type: ignore[no-untyped-def]
            with self._lock:
                self.assemblies += 1
            return real_assemble(*args, **kwargs)

        baseline.encode.encode_chunk, baseline.assemble.assemble_video = encode_chunk, assemble_video
        try:
            yield self
        finally:
            baseline.encode.encode_chunk, baseline.assemble.assemble_video = real_encode, real_assemble


@dataclass(frozen=True)
class CrashPoint:
    stage: str
    #: Index of the storage operation or invoke within one delivery of ``stage``.
    step: int
    when: str  # "before" or "after"

    def __str__(self) -> str:
        return f"{self.stage}:{self.when}:{self.step}"


class CrashInjector:
    """Crashes the first delivery of ``point.stage`` that reaches ``point``, once; with ``every``, every
    delivery that reaches it (of chunk ``chunk`` only, if given), as a handler that always dies there."""

    def __init__(self, point: CrashPoint, *, every: bool = False, chunk: int | None = None) -> None:
        self.point = point
        self.every = every
        self.chunk = chunk
        self.fired_at: str | None = None
        self.fired = 0
        self._lock = threading.Lock()

    def __call__(self, delivery, step: int, operation: str, when: str) -> None:  # type: ignore[no-untyped-def]
        if (delivery.stage, step, when) != (self.point.stage, self.point.step, self.point.when):
            return
        if self.chunk is not None and delivery.event.get("index") != self.chunk:
            return
        with self._lock:
            if self.fired_at is not None and not self.every:
                return
            self.fired_at = operation
            self.fired += 1
        raise InjectedCrash(f"crash {when} {operation} (step {step}) of {delivery.stage}")
