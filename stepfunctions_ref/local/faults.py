"""Chunk failures the local harness can inject, none of them in deployable code."""
from __future__ import annotations

import contextlib
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterator
from unittest import mock

from media import EncodeError

from .. import tasks


class InjectedCrash(Exception):
    """The encoder's invocation died mid-encode (timeout, out of memory): Lambda answers the task with
    ``Sandbox.Timedout`` and nothing of the handler's own (see ``lambdas.LocalLambda``)."""


@dataclass
class ChunkFaults:
    #: Chunk indices whose first encode attempt fails.
    fail_once: set[int] = field(default_factory=set)
    #: Chunk indices whose every encode attempt fails (a poison chunk).
    fail_always: set[int] = field(default_factory=set)
    #: Chunk indices whose first encode invocation dies before finishing.
    crash_once: set[int] = field(default_factory=set)
    _attempts: Counter = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextlib.contextmanager
    def installed(self) -> Iterator["ChunkFaults"]:
        encode = tasks.encode

        def faulty_encode(event: dict, context: Any = None) -> Any:
            index = int(event["index"])
            with self._lock:
                self._attempts[index] += 1
                attempt = self._attempts[index]
            if index in self.crash_once and attempt == 1:
                raise InjectedCrash(f"injected crash of chunk {index}")
            if index in self.fail_always or (index in self.fail_once and attempt == 1):
                raise EncodeError(f"injected encode failure of chunk {index}")
            return encode(event, context)

        with mock.patch.object(tasks, "encode", faulty_encode):
            yield self
