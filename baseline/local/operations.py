"""Every storage operation and invoke a handler makes, attributed to the delivery that made it.

botocore's ``before-call``/``after-call`` events on the run's Session see every AWS call of every client
made from it (the handlers' threads included, since ``current_delivery`` is a context variable that
``media.concurrency`` carries to its threads); the local invoker reports invokes the same way.
Listeners get ``(delivery, step, operation, when)``: the crash injector uses that to stop a handler at an
exact point.
"""
from __future__ import annotations

import threading
from typing import Any, Callable

import boto3

from .invoker import Delivery, LocalInvoker, current_delivery

Listener = Callable[[Delivery, int, str, str], None]


class OperationRecorder:
    def __init__(self) -> None:
        self.listeners: list[Listener] = []
        self._steps = threading.local()

    def attach(self, session: boto3.session.Session, invoker: LocalInvoker) -> "OperationRecorder":
        """Attach before any client is made from ``session``: clients copy the session's event hooks."""
        session.events.register("before-call", self._before_call)
        session.events.register("after-call", self._after_call)
        invoker.operation_hooks.append(self._on_invoke)
        return self

    def detach(self, session: boto3.session.Session, invoker: LocalInvoker) -> None:
        session.events.unregister("before-call", self._before_call)
        session.events.unregister("after-call", self._after_call)
        invoker.operation_hooks.remove(self._on_invoke)

    def _before_call(self, model: Any, **_: Any) -> None:
        self._before(f"{model.service_model.service_name}.{model.name}")

    def _after_call(self, model: Any, **_: Any) -> None:
        self._after(f"{model.service_model.service_name}.{model.name}")

    def _on_invoke(self, when: str, operation: str) -> None:
        if when == "before":
            self._before(operation)
        else:
            self._after(operation)

    def _before(self, operation: str) -> None:
        delivery = current_delivery.get()
        if delivery is None:
            return
        step = len(delivery.operations)
        delivery.operations.append(operation)
        self._steps.step = step
        for listener in self.listeners:
            listener(delivery, step, operation, "before")

    def _after(self, operation: str) -> None:
        delivery = current_delivery.get()
        if delivery is None:
            return
        for listener in self.listeners:
            listener(delivery, self._steps.step, operation, "after")
