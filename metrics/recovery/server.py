"""moto's server in a process of its own, so that its request handling does not share the interpreter
lock with the harness threads that watch the workers. State lives there for the whole matrix."""
from __future__ import annotations

import contextlib
import threading
from typing import Iterator

from local_aws.workers import FORK, FORK_LOCK


@contextlib.contextmanager
def moto_server_process() -> Iterator[str]:
    """Start ``local_aws.AtomicMotoServer`` in a child process; yield its endpoint URL; stop it."""
    with FORK_LOCK:
        receive, send = FORK.Pipe(duplex=False)
        server = FORK.Process(target=_serve, args=(send,), name="moto-server", daemon=True)
        server.start()
        send.close()
    try:
        endpoint_url = receive.recv()
    finally:
        receive.close()
    try:
        yield endpoint_url
    finally:
        server.terminate()
        server.join(10)


def _serve(send) -> None:  # type: ignore[no-untyped-def]
    from local_aws import AtomicMotoServer

    server = AtomicMotoServer().start()
    send.send(server.endpoint_url)
    send.close()
    threading.Event().wait()
