"""moto's HTTP server on 127.0.0.1, single-threaded so each request is applied atomically.

State kept by the server survives the processes that call it, which is what crash tests need: a worker
that dies with ``os._exit`` leaves behind exactly what it had written.
"""
from __future__ import annotations

import threading

from werkzeug.serving import WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:  # one line per request is noise
        pass


class AtomicMotoServer:
    """Start with ``with AtomicMotoServer() as server: server.endpoint_url``; port 0 picks a free port."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._port = port
        self._server = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        assert self._server is not None, "server not started"
        return f"http://{self._host}:{self._server.server_port}"

    def start(self) -> "AtomicMotoServer":
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        app = DomainDispatcherApplication(create_backend_app)
        # threaded=False: one request at a time, so conditional writes are atomic as on AWS.
        self._server = make_server(self._host, self._port, app, threaded=False, request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "AtomicMotoServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
