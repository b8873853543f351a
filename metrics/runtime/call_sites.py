"""Where in the code each AWS call was made, and whether it carried a condition: the run-time side of the
static/run-time cross-check (:mod:`metrics.report.call_site_check` reconciles it with the static findings).

At botocore's ``before-call`` the calling thread's Python stack still holds the code that made the call.
:func:`code_chain` keeps the frames of that stack that are neither the interpreter's library nor an
installed package (botocore, boto3, moto, the durable SDK) nor this measuring code: the repository's own
frames, innermost first. Which of them belong to one implementation (and not to its local harness) is
decided later, against that implementation's root and the static analysis's excludes, so one recording
serves every implementation.

A call *carries a condition* when its API parameters hold one (``ConditionExpression`` or the legacy
``Expected`` of DynamoDB, ``IfNoneMatch``/``IfMatch`` of S3) or when it is a transaction
(``TransactWriteItems``, ``ExecuteTransaction``), whose items are all-or-nothing. The parameters are read at
``before-parameter-build`` (the API parameters; ``before-call`` only sees the serialised request).

Calls made on threads that hold no repository frame (s3transfer's pool, for instance) get an empty chain and
are reported as such; neither pipeline uses managed transfers.
"""
from __future__ import annotations

import functools
import json
import os
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, Iterable, Mapping

#: API parameters that make a request conditional (DynamoDB, S3).
CONDITION_PARAMETERS: tuple[str, ...] = ("ConditionExpression", "Expected", "IfNoneMatch", "IfMatch")
#: Operations whose writes are all-or-nothing, so conditional by nature.
TRANSACTION_OPERATIONS: frozenset[str] = frozenset({"TransactWriteItems", "ExecuteTransaction"})
#: At most this many repository frames are kept per call, innermost first. A chain runs from the state call
#: out through the handler and the local harness to the measuring process's entry point (the durable
#: harness's step instrumentation adds about ten): deep enough that a handler's frame is never cut off,
#: since a chain without one would pass for a call of the harness.
MAX_CHAIN = 64

_THIS_PACKAGE = Path(__file__).resolve().parent
#: The measuring code itself: its frames are on the stack of every call it sees.
_MEASURING_FILES = frozenset({str(_THIS_PACKAGE / "op_counter.py"), str(_THIS_PACKAGE / "call_sites.py")})


@dataclass(frozen=True, order=True)
class Frame:
    """One frame of a call's chain: an absolute file path, the line executing, the function's name."""

    file: str
    line: int
    function: str

    def to_list(self) -> list:
        return [self.file, self.line, self.function]


@dataclass(frozen=True, order=True)
class CallSite:
    """One distinct way a call was made: the operation, whether it carried a condition, and the chain of
    repository frames it came through (innermost first)."""

    service: str
    operation: str
    conditional: bool
    chain: tuple[Frame, ...]

    def to_dict(self, calls: int) -> dict[str, Any]:
        return {"service": self.service, "operation": self.operation, "conditional": self.conditional,
                "calls": calls, "chain": [frame.to_list() for frame in self.chain]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> tuple["CallSite", int]:
        chain = tuple(Frame(str(f[0]), int(f[1]), str(f[2])) for f in data.get("chain", ()))
        return cls(data["service"], data["operation"], bool(data["conditional"]), chain), int(data["calls"])


def carries_condition(operation: str, params: Mapping[str, Any] | None) -> bool:
    """True for a transaction, or for a request whose API parameters hold a condition."""
    if operation in TRANSACTION_OPERATIONS:
        return True
    return any(params.get(name) for name in CONDITION_PARAMETERS) if params else False


def _library_directories() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths[name] for name in ("stdlib", "platstdlib", "purelib", "platlib") if paths.get(name)}
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        roots.add(os.path.join(prefix, "lib"))
    return tuple(sorted(os.path.realpath(root) + os.sep for root in roots))


_LIBRARIES = _library_directories()


@functools.lru_cache(maxsize=4096)
def _real_path(filename: str) -> str:
    return os.path.realpath(filename)


@functools.lru_cache(maxsize=4096)
def is_code_file(filename: str) -> bool:
    """True for a source file of the repository (not the interpreter's library, not an installed package,
    not this measuring code, not generated code such as ``<string>``)."""
    if not filename or filename.startswith("<"):
        return False
    path = _real_path(filename)
    if path in _MEASURING_FILES:
        return False
    if "site-packages" in path.split(os.sep) or "dist-packages" in path.split(os.sep):
        return False
    return not path.startswith(_LIBRARIES)


def code_chain(frame: FrameType | None, limit: int = MAX_CHAIN) -> tuple[Frame, ...]:
    """The repository frames from ``frame`` outwards, innermost first, at most ``limit`` of them."""
    chain: list[Frame] = []
    while frame is not None and len(chain) < limit:
        filename = frame.f_code.co_filename
        if is_code_file(filename):
            chain.append(Frame(_real_path(filename), frame.f_lineno, frame.f_code.co_qualname))
        frame = frame.f_back
    return tuple(chain)


def merge_sites(*many: Mapping[CallSite, int]) -> dict[CallSite, int]:
    merged: dict[CallSite, int] = {}
    for sites in many:
        for site, calls in sites.items():
            merged[site] = merged.get(site, 0) + calls
    return merged


def sites_to_list(sites: Mapping[CallSite, int]) -> list[dict[str, Any]]:
    """JSON-ready, in a stable order (by operation, then chain)."""
    return [site.to_dict(calls) for site, calls in sorted(sites.items())]


def sites_from_list(rows: Iterable[Mapping[str, Any]]) -> dict[CallSite, int]:
    """Inverse of :func:`sites_to_list`; rows of the same site add up."""
    sites: dict[CallSite, int] = {}
    for row in rows:
        site, calls = CallSite.from_dict(row)
        sites[site] = sites.get(site, 0) + calls
    return sites


class SiteSpool:
    """Call sites of worker processes that may die at any moment (the recovery matrix's crashes end them with
    ``os._exit``): a session hook (``WorkerOptions.session_hooks``) that appends one JSON line per AWS call to
    a file of the worker's own, written with one ``os.write`` so that nothing waits in a buffer; the parent
    reads every file with :meth:`collect`."""

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def __call__(self, session: Any) -> None:
        """Record every call of clients made from ``session`` from now on (in this process)."""
        path = self.directory / f"sites-{os.getpid()}.jsonl"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        key = f"_call_site_spool_{id(self)}"

        def before_parameter_build(model: Any, params: Mapping | None = None, context: dict | None = None,
                                   **_: Any) -> None:
            if context is not None:
                context[key] = carries_condition(model.name, params)

        def before_call(model: Any, context: dict | None = None, **_: Any) -> None:
            conditional = (context or {}).pop(key, carries_condition(model.name, None))
            site = CallSite(model.service_model.service_name, model.name, conditional,
                            code_chain(sys._getframe(1)))
            os.write(descriptor, (json.dumps(site.to_dict(1)) + "\n").encode())

        session.events.register_first("before-parameter-build", before_parameter_build, unique_id=f"{key}-params")
        session.events.register_first("before-call", before_call, unique_id=f"{key}-call")

    def collect(self) -> dict[CallSite, int]:
        """Every call the workers recorded, by site. A line cut short by a crash mid-write is skipped."""
        rows = []
        for path in sorted(self.directory.glob("sites-*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return sites_from_list(rows)
