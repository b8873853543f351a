"""How one handler hands work to the next: an asynchronous invoke of the next stage's function.

On AWS that is Lambda's ``InvocationType="Event"``: the event is queued, the call returns at once, and
Lambda delivers it at least once, retrying up to twice on a function error. Events are plain JSON.
"""
from __future__ import annotations

import json
from typing import Any, Mapping, Protocol


class Invoker(Protocol):
    def invoke(self, stage: str, event: dict) -> None:
        """Queue ``event`` for the function of ``stage`` and return without waiting for it."""


class LambdaInvoker:
    def __init__(self, client: Any, functions: Mapping[str, str]) -> None:
        self.client = client
        self.functions = functions

    def invoke(self, stage: str, event: dict) -> None:
        self.client.invoke(
            FunctionName=self.functions[stage],
            InvocationType="Event",
            Payload=json.dumps(event).encode(),
        )
