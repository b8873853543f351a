"""moto's Step Functions interpreter calls the task handlers in process, as Lambda would, timing each call.

moto (``execute_state_machine``) runs a Lambda task through a boto3 Lambda client whose ``invoke`` never
runs Python (no Docker here). The ASL interpreter's client is replaced by this one, which calls the local
handler outside moto's request lock (so parallel Map iterations encode in parallel) and answers a raising
handler as Lambda does: ``FunctionError`` with an ``errorType``/``errorMessage`` payload, so that the state
machine's ``Retry`` and ``Catch`` see the exception's class name.
"""
from __future__ import annotations

import contextlib
import io
import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterator
from unittest import mock

from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

from .. import failure, tasks
from .faults import InjectedCrash

#: What Lambda answers for an invocation that timed out (the Python runtime never reports it itself).
TIMED_OUT = {"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out after 900.00 seconds"}

#: Function name (the ARN's last part) -> its handler, looked up at call time so fault seams apply.
HANDLERS: dict[str, Callable[[], Callable[[dict, Any], Any]]] = {
    "validate": lambda: tasks.validate,
    "chunk": lambda: tasks.chunk,
    "encode": lambda: tasks.encode,
    "assemble": lambda: tasks.assemble,
    "cleanup": lambda: failure.cleanup,
}


@dataclass(frozen=True)
class Invocation:
    function: str
    event: dict
    start: float
    end: float
    ok: bool
    #: Part of the call spent waiting for one of the machine's cores (not billed on Lambda's own vCPU).
    waited_s: float = 0.0

    @property
    def seconds(self) -> float:
        return self.end - self.start


class LocalLambda:
    """A stand-in for the interpreter's Lambda client; records every invocation."""

    def __init__(self, take_wait_s: Callable[[], float] = lambda: 0.0) -> None:
        self.invocations: list[Invocation] = []
        self.take_wait_s = take_wait_s
        self._lock = threading.Lock()

    def invoke(self, FunctionName: str, Payload: Any = None, **_: Any) -> dict:  # noqa: N803 (boto3's names)
        function = FunctionName.rsplit(":", 1)[-1]
        event = json.loads(Payload or "{}")
        self.take_wait_s()
        start, ok = time.perf_counter(), False
        try:
            result = HANDLERS[function]()(event, None)
            ok = True
            return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(result).encode())}
        except InjectedCrash:
            body = TIMED_OUT
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(json.dumps(body).encode())}
        except Exception as error:  # noqa: BLE001 - every handler error is a Lambda function error
            body = {"errorType": type(error).__name__, "errorMessage": str(error)}
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(json.dumps(body).encode())}
        finally:
            end = time.perf_counter()
            with self._lock:
                self.invocations.append(Invocation(function, event, start, end, ok, self.take_wait_s()))

    # Figures of the run's JSON.
    def invocation_seconds(self) -> dict[str, list[float]]:
        seconds: dict[str, list[float]] = defaultdict(list)
        for call in self.invocations:
            seconds[call.function].append(round(call.seconds, 4))
        return dict(seconds)

    def core_wait_s(self) -> dict[str, float]:
        waits: dict[str, float] = defaultdict(float)
        for call in self.invocations:
            if call.waited_s:
                waits[call.function] = round(waits[call.function] + call.waited_s, 4)
        return dict(waits)

    def executions(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for call in self.invocations:
            counts[call.function] += 1
        return dict(counts)

    def chunk_attempts(self, chunks: int) -> list[int]:
        attempts = [0] * chunks
        for call in self._encodes(chunks):
            attempts[call.event["index"]] += 1
        return attempts

    def chunk_latency_s(self, chunks: int) -> list[float]:
        seconds = [0.0] * chunks
        for call in self._encodes(chunks):
            seconds[call.event["index"]] += call.seconds - call.waited_s
        return [round(value, 4) for value in seconds]

    def stage_latency_s(self) -> dict[str, float | None]:
        latency: dict[str, float | None] = {}
        for stage in ("validate", "chunk", "encode", "assemble"):
            calls = [call for call in self.invocations if call.function == stage]
            latency[stage] = round(max(c.end for c in calls) - min(c.start for c in calls), 4) if calls else None
        return latency

    def _encodes(self, chunks: int) -> list[Invocation]:
        return [c for c in self.invocations if c.function == "encode" and 0 <= c.event.get("index", -1) < chunks]


@contextlib.contextmanager
def routed(local: LocalLambda) -> Iterator[LocalLambda]:
    """While open, the ASL interpreter's Lambda tasks call ``local``; other services are untouched."""
    original = lambda_eval_utils.boto_client_for

    def client_for(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("service", args[0] if args else None) == "lambda":
            return local
        return original(*args, **kwargs)

    with mock.patch.object(lambda_eval_utils, "boto_client_for", client_for):
        yield local
