"""Local stand-ins for AWS used by both pipelines: moto in process or moto's server, made atomic per request."""
from __future__ import annotations

from typing import Any

from .moto_atomic import atomic_mock_aws, serialise_moto_requests
from .session import REGION, local_session, make_session, sibling_session

__all__ = [
    "atomic_mock_aws", "serialise_moto_requests", "AtomicMotoServer", "REGION", "local_session", "make_session",
    "sibling_session",
]


def __getattr__(name: str) -> Any:
    # The server pulls in werkzeug's serving stack, which a run on in-process moto does not need.
    if name == "AtomicMotoServer":
        from .server import AtomicMotoServer

        return AtomicMotoServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
