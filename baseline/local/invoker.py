"""Lambda's asynchronous invocation, in process: queued, concurrent, retried, sometimes delivered twice.

``invoke`` returns at once; a thread pool runs the handlers concurrently (``LocalPipeline`` gives it two
workers per core and gates the ffmpeg encodes to one per core, see ``cpu``). A handler that raises (or is crashed by an injected fault) is run again
up to ``retries`` more times with the same request id, as Lambda retries an asynchronous event; after
that the event goes to ``dead_letters`` and, as the template's ``OnFailure`` destination sends it, an
invocation record of it is delivered to the failure handler (``baseline.dead_letter``), itself retried the
same way. ``copies`` delivers an event more than once, each copy with its own request id, as Lambda's
at-least-once queue may.
"""
from __future__ import annotations

import contextvars
import importlib
import json
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from baseline.config import STAGES

from .context import LocalLambdaContext
from .faults import InjectedCrash

#: The delivery whose handler is running in this context; botocore hooks use it to attribute calls.
current_delivery: contextvars.ContextVar["Delivery | None"] = contextvars.ContextVar("current_delivery", default=None)

Handler = Callable[[dict, Any], dict]


@dataclass
class Delivery:
    stage: str
    event: dict
    request_id: str
    attempt: int = 1
    started: float = 0.0
    ended: float = 0.0
    #: Time spent waiting for a local CPU slot, which a Lambda invocation would not wait.
    waited_s: float = 0.0
    result: dict | None = None
    error: BaseException | None = None
    #: Storage operations and invokes this delivery made, in order ("dynamodb.UpdateItem", "lambda.Invoke").
    operations: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.ended - self.started


#: The function every stage's failed events go to (the template's OnFailure destination).
ON_FAILURE = "dead_letter"
FUNCTIONS = (*STAGES, ON_FAILURE)


def deployed_handlers() -> dict[str, Handler]:
    return {function: importlib.import_module(f"baseline.{function}").handler for function in FUNCTIONS}


def function_arn(function: str) -> str:
    return f"arn:aws:lambda:us-east-1:123456789012:function:{function}"


def failure_record(delivery: Delivery) -> dict:
    """The invocation record Lambda sends to an OnFailure destination for an event whose retries are
    exhausted (the shape documented for asynchronous invocation destinations)."""
    error = delivery.error
    return {
        "version": "1.0",
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        "requestContext": {
            "requestId": delivery.request_id,
            "functionArn": f"{function_arn(delivery.stage)}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": delivery.attempt,
        },
        "requestPayload": delivery.event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorMessage": str(error), "errorType": type(error).__name__},
    }


class LocalInvoker:
    def __init__(
        self,
        handlers: dict[str, Handler] | None = None,
        *,
        max_workers: int | None = None,
        retries: int = 2,
        copies: int | Callable[[str, dict], int] = 1,
        timeout_s: float = 900.0,
        on_delivery: Callable[[str, Delivery], None] | None = None,
        on_failure: str | None = ON_FAILURE,
    ) -> None:
        self.handlers = handlers or deployed_handlers()
        #: The function failed events are sent to (None: they are only kept in ``dead_letters``).
        self.on_failure = on_failure
        self.retries = retries
        self.copies = copies
        self.timeout_s = timeout_s
        self.on_delivery = on_delivery
        #: Called with ("before" | "after", operation) around every invoke a handler makes.
        self.operation_hooks: list[Callable[[str, str], None]] = []
        self.deliveries: list[Delivery] = []
        self.dead_letters: list[Delivery] = []
        self._pool = ThreadPoolExecutor(max_workers=max_workers or os.cpu_count() or 1, thread_name_prefix="lambda")
        self._idle = threading.Condition()
        self._outstanding = 0

    def invoke(self, stage: str, event: dict) -> None:
        for hook in self.operation_hooks:
            hook("before", "lambda.Invoke")
        payload = json.loads(json.dumps(event))  # an event crosses a process boundary on AWS
        copies = self.copies(stage, payload) if callable(self.copies) else self.copies
        for _ in range(copies):
            self._submit(Delivery(stage, payload, request_id=str(uuid.uuid4())))
        for hook in self.operation_hooks:
            hook("after", "lambda.Invoke")

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every event, its retries and everything they invoked have run; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._outstanding == 0, timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _submit(self, delivery: Delivery) -> None:
        with self._idle:
            self._outstanding += 1
        self._pool.submit(self._run, delivery)

    def _run(self, delivery: Delivery) -> None:
        context = LocalLambdaContext(delivery.stage, delivery.request_id, self.timeout_s)
        token = current_delivery.set(delivery)
        if self.on_delivery:
            self.on_delivery("start", delivery)
        delivery.started = time.perf_counter()
        try:
            delivery.result = self.handlers[delivery.stage](delivery.event, context)
        except (Exception, InjectedCrash) as error:  # a function error: Lambda retries the event
            delivery.error = error
        finally:
            delivery.ended = time.perf_counter()
            current_delivery.reset(token)
            self._finish(delivery)

    def _finish(self, delivery: Delivery) -> None:
        self.deliveries.append(delivery)
        if delivery.error is not None:
            if delivery.attempt <= self.retries:
                self._submit(Delivery(delivery.stage, delivery.event, delivery.request_id, delivery.attempt + 1))
            else:
                self.dead_letters.append(delivery)
                if self.on_failure in self.handlers and delivery.stage != self.on_failure:
                    self._submit(Delivery(self.on_failure, failure_record(delivery), request_id=str(uuid.uuid4())))
        if self.on_delivery:
            self.on_delivery("end", delivery)
        with self._idle:
            self._outstanding -= 1
            self._idle.notify_all()
