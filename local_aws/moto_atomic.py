"""Make moto atomic per request, as DynamoDB and S3 are per item and per object.

moto handles requests without a lock, so under threads its conditional writes race: two
``attribute_not_exists`` puts can both win and counters lose increments (../shared/FACTS.md). Real AWS
applies each request atomically. One re-entrant lock around ``BotocoreStubber.process_request`` serialises
moto's in-process request handling, which is all it takes: each request then reads and writes moto's
backend with no other request in between.
"""
from __future__ import annotations

import contextlib
import functools
import threading
from typing import Iterator

import moto
from moto.core.botocore_stubber import BotocoreStubber

_LOCK = threading.RLock()
_PATCHED_ATTR = "_atomic_process_request"


def serialise_moto_requests() -> None:
    """Install the lock once per process (idempotent)."""
    if getattr(BotocoreStubber, _PATCHED_ATTR, False):
        return
    original = BotocoreStubber.process_request

    @functools.wraps(original)
    def process_request(self, request):  # type: ignore[no-untyped-def]
        with _LOCK:
            return original(self, request)

    BotocoreStubber.process_request = process_request  # type: ignore[method-assign]
    setattr(BotocoreStubber, _PATCHED_ATTR, True)


def share_model_loader() -> None:
    """moto lists the regions of each service it starts through a boto3 Session of its own, which parses
    botocore's endpoint and service models a second time (about 0.1 s per process). Hand it a Session on the
    model loader the local Sessions share (``session.py``); created on first use, as moto's own is."""
    from moto.core.base_backend import AccountSpecificBackend

    from .session import regions_session

    AccountSpecificBackend.get_session = classmethod(lambda cls: regions_session())  # type: ignore[method-assign]


@contextlib.contextmanager
def atomic_mock_aws() -> Iterator[None]:
    """``moto.mock_aws()`` with requests serialised as AWS would apply them."""
    serialise_moto_requests()
    share_model_loader()
    with moto.mock_aws():
        yield
