"""Local stand-ins for AWS used by both pipelines: moto in process or moto's server, made atomic per request."""
from __future__ import annotations

import importlib
from typing import Any

from .session import REGION, local_session, make_session, sibling_session

__all__ = [
    "atomic_mock_aws", "serialise_moto_requests", "AtomicMotoServer", "REGION", "local_session", "make_session",
    "sibling_session",
]

# Imported on first use: moto (about 0.3 s) and werkzeug's serving stack are not needed by a run against an
# endpoint, nor by the harness modules that only use this package's sessions, cores or workers.
_LAZY = {"atomic_mock_aws": ".moto_atomic", "serialise_moto_requests": ".moto_atomic", "AtomicMotoServer": ".server"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
