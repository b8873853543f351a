"""Faults made inside worker processes: a crash at one point, and throttled AWS calls.

Both are built in the parent before any worker is forked; their shared-memory counters are inherited by
every worker (``multiprocessing``'s fork context), so the parent reads what the workers did.
"""
from __future__ import annotations

import json
import os
import threading
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

from local_aws.workers import CRASH_EXIT_CODE, FORK

from .points import CrashPoint

_SITE_TEXT = 400


class CrashOnce:
    """A site hook: the first worker to reach ``point`` ends there with ``os._exit``, once per run.

    ``os._exit`` runs no ``except``, ``finally`` or ``atexit``; the pipe to the parent closes and nothing
    else of the worker's survives, as when Lambda kills an invocation at its timeout."""

    def __init__(self, point: CrashPoint) -> None:
        self.point = point
        self._fired = FORK.Value("b", 0)
        self._site = FORK.Array("c", _SITE_TEXT)

    @property
    def fired(self) -> bool:
        return bool(self._fired.value)

    @property
    def fired_at(self) -> str | None:
        return self._site.value.decode() or None if self.fired else None

    def __call__(self, site: Any) -> None:
        if self._first_to_reach(site, f"{site.operation} {site.when} (step {site.step}, attempt {site.attempt})"):
            os._exit(CRASH_EXIT_CODE)

    def _first_to_reach(self, site: Any, where: str) -> bool:
        """True for the first worker of the run at ``point`` (the flag is shared by every worker); it
        records ``where``."""
        if not self.point.matches(site):
            return False
        with self._fired.get_lock():
            if self._fired.value:
                return False
            self._fired.value = 1
            self._site.value = where.encode()[: _SITE_TEXT - 1]
        return True


class CrashEvery(CrashOnce):
    """A site hook: every worker that reaches ``point`` (in chunk ``chunk``'s invocations only, if given)
    ends there with ``os._exit``, as a handler that dies at the same place on every attempt (a bug hit each
    time, or a timeout or out-of-memory kill that recurs); ``crashes`` counts them across all workers."""

    def __init__(self, point: CrashPoint, chunk: int | None = None) -> None:
        super().__init__(point)
        self.chunk = chunk
        self._crashes = FORK.Value("i", 0)

    @property
    def crashes(self) -> int:
        return self._crashes.value

    def __call__(self, site: Any) -> None:
        if not self.point.matches(site) or (self.chunk is not None and site.chunk != self.chunk):
            return
        with self._crashes.get_lock():
            self._crashes.value += 1
        self._first_to_reach(site, f"{site.operation} {site.when} (step {site.step}, attempt {site.attempt})")
        os._exit(CRASH_EXIT_CODE)


class HangOnce(CrashOnce):
    """A site hook: the first worker to reach ``point`` stops there, as a call that never returns, until
    its function's timeout ends it (the harness's watchdog, like Lambda's, kills it without cleanup)."""

    def __call__(self, site: Any) -> None:
        if self._first_to_reach(site, f"{site.operation} {site.when} (step {site.step})"):
            threading.Event().wait()


class Throttler:
    """A session hook: every ``1/rate``-th HTTP attempt to ``services`` (counted across all workers of the
    run) gets the service's throttling error, so exactly that share of attempts is throttled and a retry
    is never throttled again straight away.

    It answers on botocore's ``before-send`` event, once per HTTP attempt, in place of the server: the
    response goes through botocore's parser and retry handler as a real one would, so the clients' retry
    configuration (the baseline's ``standard`` mode, the durable side's default ``legacy`` mode) decides
    what happens next. (A ``before-call`` answer would skip the retry handler altogether.)"""

    ERRORS = {
        "dynamodb": ("ProvisionedThroughputExceededException", "ThrottlingException"),
        "s3": ("SlowDown",),
    }

    def __init__(self, rate: float = 0.1, services: tuple[str, ...] = ("dynamodb", "s3")) -> None:
        if not 0 < rate <= 0.5:
            raise ValueError("rate must be in (0, 0.5]")
        self.rate = rate
        self.services = services
        self._every = round(1 / rate)
        self._injected = FORK.Value("i", 0)
        self._attempts = FORK.Value("i", 0)

    @property
    def injected(self) -> int:
        return self._injected.value

    @property
    def attempts(self) -> int:
        return self._attempts.value

    def __call__(self, session: boto3.session.Session) -> None:
        def throttling(service: str) -> Any:
            def before_send(request: Any, **_: Any) -> AWSResponse | None:
                with self._attempts.get_lock():
                    self._attempts.value += 1
                    throttle = self._attempts.value % self._every == 0
                if not throttle:
                    return None
                with self._injected.get_lock():
                    self._injected.value += 1
                    which = self._injected.value
                return _throttle_response(service, request.url, which)

            return before_send

        for service in self.services:
            # Event names carry the service id: before-send.s3.PutObject, before-send.dynamodb.UpdateItem.
            session.events.register_first(f"before-send.{service}", throttling(service))


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data

    def read(self, *_: Any) -> bytes:
        data, self._data = self._data, b""
        return data


def _throttle_response(service: str, url: str, ordinal: int) -> AWSResponse:
    if service == "dynamodb":
        codes = Throttler.ERRORS["dynamodb"]
        code = codes[ordinal % len(codes)]
        body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "Rate exceeded (injected)"})
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-ErrorType": code}
        return AWSResponse(url, 400, headers, _Body(body.encode()))
    body = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
            b"<Message>Please reduce your request rate. (injected)</Message></Error>")
    return AWSResponse(url, 503, {"Content-Type": "application/xml"}, _Body(body))
