"""The worker-process toolkit both process harnesses share."""
from __future__ import annotations

import os
import threading

from local_aws.workers import FORK, join_worker


class _ReapedElsewhere:
    """A child that another thread's ``Process.start()`` reaped: ``join`` returns at once and the exit code
    appears only when that thread stores it."""

    def __init__(self, code: int, delay_s: float) -> None:
        self.exitcode: int | None = None
        self._timer = threading.Timer(delay_s, setattr, (self, "exitcode", code))

    def join(self) -> None:
        self._timer.start()


def test_join_waits_for_an_exit_code_stored_by_another_thread() -> None:
    assert join_worker(_ReapedElsewhere(137, 0.05)) == 137


def test_join_returns_a_real_childs_exit_code() -> None:
    worker = FORK.Process(target=os._exit, args=(137,), daemon=True)
    worker.start()
    assert join_worker(worker) == 137
