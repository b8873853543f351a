"""Count every AWS API call made through one boto3 Session, by service and operation, with botocore events.

botocore emits, for every API call of every client: ``before-call`` once per call (with the operation
model), ``before-send`` once per HTTP attempt (retries included), then ``after-call`` with the parsed
response (or ``after-call-error`` when no response came back). s3transfer's calls (multipart parts, ranged
GETs, the HEAD before a download) go through the same client, so they are counted too. moto answers inside
``before-send`` (in process) or over HTTP (its server): both are seen the same way.

A client copies its Session's handlers when it is created, so :class:`OpCounter` must be entered before the
clients it should count are made (the pipelines make theirs from the Session they are handed), or be
:meth:`OpCounter.attach`\\ ed to a client made earlier. After the context exits, handlers that clients
still hold do nothing.

Per call it records: the count, HTTP attempts, the error code of a failed call, the request bytes sent
(``Content-Length``, or the decoded length of an aws-chunked upload), the response bytes (the body length,
or ``Content-Length`` of a streamed body, which is not read here), the call's wall time, and, for DynamoDB,
the request units the call consumed (:mod:`metrics.runtime.capacity`); and where in the code it was made
(the chain of repository frames on the calling thread's stack) and whether it carried a condition
(:mod:`metrics.runtime.call_sites`), for the static/run-time cross-check.
"""
from __future__ import annotations

import itertools
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from .call_sites import CallSite, carries_condition, code_chain, merge_sites, sites_from_list, sites_to_list
from .capacity import DynamoDBCapacityMeter

Nested = dict[str, dict[str, Any]]
_instance_ids = itertools.count()


def _nested_add(into: dict, key: tuple[str, ...], amount: float) -> None:
    *path, last = key
    node = into
    for part in path:
        node = node.setdefault(part, {})
    node[last] = node.get(last, 0) + amount


def _nested_merge(a: dict, b: dict) -> dict:
    merged = {k: (dict(v) if isinstance(v, dict) else v) for k, v in a.items()}
    for key, value in b.items():
        if isinstance(value, dict):
            merged[key] = _nested_merge(merged.get(key, {}), value)
        else:
            merged[key] = merged.get(key, 0) + value
    return merged


def _nested_sum(tree: Mapping) -> float:
    return sum(_nested_sum(v) if isinstance(v, Mapping) else v for v in tree.values())


@dataclass(frozen=True)
class OperationCounts:
    """What an :class:`OpCounter` saw; plain nested dicts keyed service -> operation (-> error code)."""

    calls: Nested = field(default_factory=dict)
    attempts: Nested = field(default_factory=dict)
    errors: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    request_bytes: Nested = field(default_factory=dict)
    response_bytes: Nested = field(default_factory=dict)
    seconds: Nested = field(default_factory=dict)
    #: DynamoDB operation -> {"read": units, "write": units}
    dynamodb_units: dict[str, dict[str, float]] = field(default_factory=dict)
    #: Where the calls were made: each distinct call site -> its number of calls.
    sites: dict[CallSite, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return int(_nested_sum(self.calls))

    def count(self, service: str, operation: str | None = None) -> int:
        by_op = self.calls.get(service, {})
        return int(sum(by_op.values())) if operation is None else int(by_op.get(operation, 0))

    def by_service(self) -> dict[str, int]:
        return {service: int(sum(ops.values())) for service, ops in sorted(self.calls.items())}

    def dynamodb_request_units(self) -> dict[str, float]:
        return {
            "read": sum(u["read"] for u in self.dynamodb_units.values()),
            "write": sum(u["write"] for u in self.dynamodb_units.values()),
        }

    def without(self, operations: Iterable[tuple[str, str]]) -> "OperationCounts":
        """The same counts minus the given (service, operation) pairs, e.g. a harness's set-up calls."""
        drop = set(operations)

        def keep(tree: Mapping) -> dict:
            return {s: {o: v for o, v in ops.items() if (s, o) not in drop} for s, ops in tree.items()}

        return OperationCounts(
            calls=keep(self.calls), attempts=keep(self.attempts), errors=keep(self.errors),
            request_bytes=keep(self.request_bytes), response_bytes=keep(self.response_bytes),
            seconds=keep(self.seconds),
            dynamodb_units={o: u for o, u in self.dynamodb_units.items() if ("dynamodb", o) not in drop},
            sites={s: n for s, n in self.sites.items() if (s.service, s.operation) not in drop},
        )

    def without_services(self, services: Iterable[str]) -> "OperationCounts":
        """The same counts minus every call to the given services, e.g. a harness's calls that start and
        watch a state machine (they are no storage operations of the workflow)."""
        drop = set(services)

        def keep(tree: Mapping) -> dict:
            return {s: dict(ops) for s, ops in tree.items() if s not in drop}

        return OperationCounts(
            calls=keep(self.calls), attempts=keep(self.attempts), errors=keep(self.errors),
            request_bytes=keep(self.request_bytes), response_bytes=keep(self.response_bytes),
            seconds=keep(self.seconds), dynamodb_units=dict(self.dynamodb_units),
            sites={s: n for s, n in self.sites.items() if s.service not in drop},
        )

    def __add__(self, other: "OperationCounts") -> "OperationCounts":
        return OperationCounts(**{
            name: _nested_merge(getattr(self, name), getattr(other, name))
            for name in self.__dataclass_fields__ if name != "sites"
        }, sites=merge_sites(self.sites, other.sites))

    def to_dict(self) -> dict[str, Any]:
        """The report's ``storage_ops``: ``total``, ``by_service``, ``by_operation`` and the details."""
        return {
            "total": self.total,
            "by_service": self.by_service(),
            "by_operation": {s: dict(sorted(ops.items())) for s, ops in sorted(self.calls.items())},
            "attempts": self.attempts,
            "errors": self.errors,
            "error_total": int(_nested_sum(self.errors)),
            "request_bytes": self.request_bytes,
            "response_bytes": self.response_bytes,
            "bytes_total": {"request": int(_nested_sum(self.request_bytes)),
                            "response": int(_nested_sum(self.response_bytes))},
            "seconds": self.seconds,
            "dynamodb_request_units": {**self.dynamodb_request_units(), "by_operation": self.dynamodb_units},
            "call_sites": sites_to_list(self.sites),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "OperationCounts":
        """Inverse of :meth:`to_dict`, so counts taken in a worker process can be sent back and added."""
        return cls(
            calls=data.get("by_operation", {}), attempts=data.get("attempts", {}), errors=data.get("errors", {}),
            request_bytes=data.get("request_bytes", {}), response_bytes=data.get("response_bytes", {}),
            seconds=data.get("seconds", {}),
            dynamodb_units=data.get("dynamodb_request_units", {}).get("by_operation", {}),
            sites=sites_from_list(data.get("call_sites", ())),
        )


def _header_int(headers: Mapping, name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value.decode() if isinstance(value, bytes) else value)
    except ValueError:
        return None


class OpCounter:
    """``with OpCounter(session) as ops: ...`` then ``ops.counts()``. Thread-safe; several may be active."""

    def __init__(self, session: Any) -> None:
        # A boto3 Session exposes its emitter as .events; a botocore Session as a component.
        self._events = session.events if hasattr(session, "events") else session.get_component("event_emitter")
        self._id = f"metrics-runtime-op-counter-{next(_instance_ids)}"
        self._context_key = f"_{self._id}"
        self._lock = threading.Lock()
        self._active = False
        self._emitters: list[Any] = []
        self._reset_state()

    def _reset_state(self) -> None:
        self._calls: dict = {}
        self._attempts: dict = {}
        self._errors: dict = {}
        self._request_bytes: dict = {}
        self._response_bytes: dict = {}
        self._seconds: dict = {}
        self._sites: dict[CallSite, int] = {}
        self.capacity = DynamoDBCapacityMeter()
        self.meter_errors: list[str] = []

    # -- lifecycle ----------------------------------------------------------------------------------------
    def __enter__(self) -> "OpCounter":
        self._active = True
        self._register(self._events)
        return self

    def __exit__(self, *exc: object) -> None:
        self._active = False
        for emitter in self._emitters:
            for event, handler in self._handlers():
                emitter.unregister(event, handler, unique_id=f"{self._id}-{event}")
        self._emitters.clear()

    def attach(self, client: Any) -> Any:
        """Count a client created before the counter was entered; returns the client."""
        self._register(client.meta.events)
        return client

    def reset(self) -> None:
        with self._lock:
            self._reset_state()

    def _handlers(self) -> list[tuple[str, Any]]:
        return [("before-parameter-build", self._before_parameter_build),
                ("before-call", self._before_call), ("before-send", self._before_send),
                ("after-call", self._after_call), ("after-call-error", self._after_call_error)]

    def _register(self, emitter: Any) -> None:
        for event, handler in self._handlers():
            # First, so that moto's before-send stub (which answers the request) cannot hide the attempt.
            emitter.register_first(event, handler, unique_id=f"{self._id}-{event}")
        self._emitters.append(emitter)

    # -- event handlers -----------------------------------------------------------------------------------
    def _before_parameter_build(self, model: Any, params: Mapping | None = None, context: dict | None = None,
                                **_: Any) -> None:
        # The API parameters are only seen here; before-call gets the serialised request.
        if self._active and context is not None:
            context[f"{self._context_key}-conditional"] = carries_condition(model.name, params)

    def _before_call(self, model: Any, params: Mapping | None = None, context: dict | None = None,
                     **_: Any) -> None:
        if not self._active or context is None:
            return
        key = (model.service_model.service_name, model.name)
        context[self._context_key] = {"key": key, "t0": time.perf_counter(),
                                      "body": (params or {}).get("body")}
        conditional = context.pop(f"{self._context_key}-conditional", carries_condition(model.name, None))
        # The calling thread's stack, from botocore's emitter outwards: this handler runs inside the call.
        site = CallSite(*key, conditional, code_chain(sys._getframe(1)))
        with self._lock:
            _nested_add(self._calls, key, 1)
            self._sites[site] = self._sites.get(site, 0) + 1

    def _before_send(self, request: Any, **_: Any) -> None:
        call = (getattr(request, "context", None) or {}).get(self._context_key)
        if not self._active or call is None:
            return
        headers = request.headers
        sent = _header_int(headers, "X-Amz-Decoded-Content-Length")
        if sent is None:
            sent = _header_int(headers, "Content-Length")
        if sent is None and isinstance(request.body, (bytes, bytearray, str)):
            sent = len(request.body)
        with self._lock:
            _nested_add(self._attempts, call["key"], 1)
            _nested_add(self._request_bytes, call["key"], sent or 0)

    def _after_call(self, http_response: Any, parsed: Mapping, model: Any, context: dict | None = None,
                    **_: Any) -> None:
        call = (context or {}).pop(self._context_key, None)
        if not self._active or call is None:
            return
        key = call["key"]
        error = parsed.get("Error", {}).get("Code") if http_response.status_code >= 300 else None
        if model.has_streaming_output:
            received = _header_int(http_response.headers, "Content-Length") or 0
            body = None
        else:
            body = http_response.content or b""
            received = len(body)
        with self._lock:
            _nested_add(self._response_bytes, key, received)
            _nested_add(self._seconds, key, time.perf_counter() - call["t0"])
            if error:
                _nested_add(self._errors, (*key, error), 1)
        if key[0] == "dynamodb":
            try:
                self.capacity.observe_wire(key[1], call["body"], body, error)
            except Exception as failure:  # measuring must never break the call it measures; it is reported
                with self._lock:
                    self.meter_errors.append(f"{key[1]}: {type(failure).__name__}: {failure}")

    def _after_call_error(self, context: dict | None = None, exception: BaseException | None = None,
                          **_: Any) -> None:
        call = (context or {}).pop(self._context_key, None)
        if not self._active or call is None:
            return
        with self._lock:
            _nested_add(self._seconds, call["key"], time.perf_counter() - call["t0"])
            _nested_add(self._errors, (*call["key"], type(exception).__name__), 1)

    # -- results ------------------------------------------------------------------------------------------
    def counts(self) -> OperationCounts:
        with self._lock:
            return OperationCounts(
                calls=_copy(self._calls), attempts=_copy(self._attempts), errors=_copy(self._errors),
                request_bytes=_copy(self._request_bytes), response_bytes=_copy(self._response_bytes),
                seconds=_copy(self._seconds), dynamodb_units=self.capacity.by_operation(),
                sites=dict(self._sites),
            )


def _copy(tree: dict) -> dict:
    return {k: _copy(v) if isinstance(v, dict) else v for k, v in tree.items()}


#: Calls a local harness makes to set up or inspect resources rather than run a job; drop them with
#: ``counts.without(HARNESS_SETUP_OPERATIONS)`` when a figure should cover the workflow alone.
HARNESS_SETUP_OPERATIONS: frozenset[tuple[str, str]] = frozenset({
    ("s3", "CreateBucket"), ("s3", "HeadBucket"), ("s3", "ListBuckets"),
    ("dynamodb", "CreateTable"), ("dynamodb", "DescribeTable"), ("dynamodb", "ListTables"),
    ("dynamodb", "UpdateTimeToLive"),
})
#: Services a local harness calls to deploy, start and watch a workflow (a state machine, its Lambda
#: functions, their roles), not to store its state: the Step Functions harness on moto creates the machine,
#: starts the execution, polls it and reads its history. Its workflow state is priced from the history
#: instead (state transitions, payload bytes), so these calls leave the storage operations.
HARNESS_CONTROL_SERVICES: frozenset[str] = frozenset({"stepfunctions", "lambda", "iam", "sts"})
