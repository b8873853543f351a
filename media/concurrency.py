"""Independent S3 and Lambda requests of one stage run on a few threads (boto3 clients are thread-safe):
a job of hundreds of chunks would otherwise spend minutes on sequential round trips. Both pipelines move
their media through it, so that neither pays for transfers the other parallelises. Each thread runs in
a copy of the caller's context, so context variables (logging and tracing context) follow the work."""
from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_THREADS = 16


def run_all(function: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[function(item) for item in items]``, concurrently; the first exception is raised."""
    items = list(items)
    if len(items) <= 1:
        return [function(item) for item in items]
    context = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(items))) as pool:
        return list(pool.map(lambda item: context.copy().run(function, item), items))
