"""Worker processes of the process harnesses (``baseline/local/processes.py``, ``durable_ref/local/processes.py``)
and of the recovery faults: one fork context, one fork lock and the pieces both harnesses run their workers with.

One lock for every fork and every client made in the parent, whichever pipeline's harness does it: a fork
while another thread is inside OpenSSL (a client's TLS context) can leave the child with a lock no thread of
it will ever release, and forks one at a time, each after the previous worker's end of its pipe is closed
in the parent, keep any worker from inheriting another's pipe end (which would hide that worker's death
until both had ended).
"""
from __future__ import annotations

import multiprocessing
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import boto3

from .session import make_session

FORK = multiprocessing.get_context("fork")
FORK_LOCK = threading.Lock()
#: The exit status of a worker killed at a site (what SIGKILL after a timeout or out-of-memory shows).
CRASH_EXIT_CODE = 137

#: Runs inside the worker at every site (the harness's ``Site``); it may end the process (``os._exit``).
SiteHook = Callable[[Any], None]
#: Runs inside the worker on its Session before any client is made (e.g. to register botocore hooks).
SessionHook = Callable[[boto3.session.Session], None]

#: Per endpoint: the template Session and the services whose models it has loaded.
_TEMPLATES: dict[str, tuple[boto3.session.Session, set[str]]] = {}


class WorkerDied(Exception):
    """The worker process ended without returning a result: a failed invocation, which Lambda (or the
    durable service) invokes again."""


@dataclass(frozen=True)
class WorkerOptions:
    site_hook: SiteHook | None = None
    session_hooks: Sequence[SessionHook] = ()
    #: Chunks whose every encode fails (a poison chunk), as the media core would fail it.
    poison: frozenset[int] = frozenset()
    #: The function's timeout: a worker still running then is ended (its stacks dumped on stderr).
    timeout_s: float = 900.0


def warm_session(endpoint_url: str, services: Sequence[str]) -> boto3.session.Session:
    """A Session with the models of ``services`` loaded, one per endpoint, so that each forked worker (which
    gets its own copy) makes its clients in milliseconds. No hook is ever registered on it in the parent."""
    with FORK_LOCK:
        if endpoint_url not in _TEMPLATES:
            _TEMPLATES[endpoint_url] = (make_session(), set())
        session, warmed = _TEMPLATES[endpoint_url]
        for service in set(services) - warmed:
            session.client(service, endpoint_url=endpoint_url)
            warmed.add(service)
        return session


def join_worker(worker: Any) -> int | None:
    """Wait for a worker process to end; its exit code.

    ``Process.start()`` in another thread reaps every child that has ended (multiprocessing's ``_cleanup``),
    so this thread's ``join`` can find its child already reaped and read no exit code until the other
    thread has stored it: wait a moment for it rather than mistake a crash (137) for another death."""
    worker.join()
    deadline = time.monotonic() + 5.0
    while worker.exitcode is None and time.monotonic() < deadline:
        time.sleep(0.001)
    return worker.exitcode


def outcome_of(result: dict | None, error: str | None, exit_code: int | None) -> str:
    """How an invocation ended: "returned"; "raised" (a function error); "crashed" (ended at a site, exit
    137); "died" (ended without a result otherwise, e.g. at its timeout)."""
    if result is not None:
        return "returned"
    if error is not None:
        return "raised"
    return "crashed" if exit_code == CRASH_EXIT_CODE else "died"


class Channel:
    """The worker's end of its pipe: one-way reports and request/answer calls, from any thread."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._lock = threading.Lock()

    def send(self, *message: object) -> None:
        with self._lock:
            self._connection.send(message)

    def call(self, method: str, *args: object) -> Any:
        with self._lock:
            self._connection.send(("rpc", method, args))
            status, value = self._connection.recv()
        if status == "error":
            raise value
        return value
