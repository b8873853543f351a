"""A small Chrome DevTools Protocol client over --remote-debugging-pipe (no extra dependency): loads a page
in headless Chromium and reports console errors, page exceptions and every request the page made."""
from __future__ import annotations

import fcntl
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--remote-debugging-pipe",
)


def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageReport:
    value: object = None
    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    screenshot_png: bytes | None = None


class _Pipe:
    def __init__(self, binary: str, profile: str) -> None:
        to_child_r, self._to_child_w = os.pipe()
        self._from_child_r, from_child_w = os.pipe()
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_child_r, from_child_w)]

        def wire_fds() -> None:  # in the child: Chromium reads commands on fd 3, writes on fd 4
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        self.process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire_fds, pass_fds=(3, 4),
        )
        for fd in (to_child_r, from_child_w, *high):
            os.close(fd)
        self._messages: queue.Queue = queue.Queue()
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        with os.fdopen(self._from_child_r, "rb", buffering=0) as stream:
            while chunk := stream.read(65536):
                buffer += chunk
                *messages, buffer = buffer.split(b"\0")
                for message in messages:
                    self._messages.put(json.loads(message))
        self._messages.put(None)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_child_w, json.dumps(message).encode() + b"\0")
        return self._next_id

    def receive(self, deadline: float) -> dict:
        message = self._messages.get(timeout=max(0.01, deadline - time.monotonic()))
        if message is None:
            raise RuntimeError("Chromium closed the DevTools pipe")
        return message

    def close(self) -> None:
        try:
            self.send("Browser.close")
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        os.close(self._to_child_w)


def load_page(url: str, expression: str, timeout: float = 60.0, screenshot: bool = False,
              viewport: tuple[int, int] = (1280, 900)) -> PageReport:
    """Open `url`, wait for its load event, evaluate `expression` (returned by value) and collect what the
    page logged and requested."""
    binary = chromium_binary()
    if binary is None:
        raise FileNotFoundError("no chromium binary")
    report = PageReport()
    with tempfile.TemporaryDirectory() as profile:
        pipe = _Pipe(binary, profile)
        try:
            _drive(pipe, url, expression, time.monotonic() + timeout, report, screenshot, viewport)
        finally:
            pipe.close()
    return report


def _drive(pipe: _Pipe, url: str, expression: str, deadline: float, report: PageReport, screenshot: bool,
           viewport: tuple[int, int]) -> None:
    results: dict[int, dict] = {}

    def call(method: str, params: dict | None = None, session: str | None = None) -> dict:
        request = pipe.send(method, params, session)
        while request not in results:
            handle(pipe.receive(deadline))
        response = results.pop(request)
        if "error" in response:
            raise RuntimeError(f"{method}: {response['error']}")
        return response.get("result", {})

    loaded = threading.Event()

    def handle(message: dict) -> None:
        if "id" in message:
            results[message["id"]] = message
            return
        method, params = message.get("method"), message.get("params", {})
        if method == "Page.loadEventFired":
            loaded.set()
        elif method == "Runtime.exceptionThrown":
            report.exceptions.append(json.dumps(params.get("exceptionDetails", {}))[:500])
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            report.console_errors.append(json.dumps(params.get("args", []))[:500])
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            report.console_errors.append(params["entry"].get("text", "")[:500])
        elif method == "Network.requestWillBeSent":
            report.requests.append(params.get("request", {}).get("url", ""))

    target = call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        call(f"{domain}.enable", session=session)
    call("Emulation.setDeviceMetricsOverride", {"width": viewport[0], "height": viewport[1],
                                                "deviceScaleFactor": 1, "mobile": False}, session=session)
    call("Page.navigate", {"url": url}, session=session)
    while not loaded.is_set():
        handle(pipe.receive(deadline))
    evaluated = call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)
    report.value = evaluated.get("result", {}).get("value")
    if screenshot:
        import base64
        shot = call("Page.captureScreenshot", {"format": "png"}, session=session)
        report.screenshot_png = base64.b64decode(shot["data"])
    # Late console messages and requests (fonts, images) arrive after the load event; drain a moment.
    settle = time.monotonic() + 0.5
    while time.monotonic() < settle:
        try:
            handle(pipe.receive(min(deadline, settle)))
        except queue.Empty:
            break
