"""Drive a headless Chromium through the DevTools protocol (CDP) over its websocket: open a page, click, and
catch a request the page sends. Enough for the browser tests to submit a Prefect form and read what it posts."""

from __future__ import annotations

import contextlib
import itertools
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

from websockets.sync.client import ClientConnection, connect

from tests.support.mlflow_server import free_port
from tests.support.processes import stop_process_group


class Page:
    """One browser tab: ``call`` a CDP method, ``evaluate`` JavaScript, wait for events."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self.ids)
        self.socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout_s: float = 90.0) -> None:
        """Poll a JavaScript condition (the SPA renders asynchronously)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.evaluate(expression):
                return
            time.sleep(1)
        raise TimeoutError(f"page never satisfied {expression!r}; it shows: {self.evaluate('document.body.innerText')!r:.2000}")

    def next_event(self, method: str, timeout_s: float = 30.0) -> dict[str, Any]:
        """The first event named ``method`` (already received, or arriving within ``timeout_s``)."""
        deadline = time.monotonic() + timeout_s
        while True:
            for event in self.events:
                if event.get("method") == method:
                    self.events.remove(event)
                    return event["params"]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {method} within {timeout_s:.0f} s")
            with contextlib.suppress(TimeoutError):
                self.events.append(json.loads(self.socket.recv(timeout=min(remaining, 1.0))))


@contextlib.contextmanager
def chromium_page(chromium: str, env: dict[str, str] | None = None) -> Iterator[Page]:
    """A headless Chromium with one blank tab under CDP; closed afterwards with all its helper processes."""
    port = free_port()
    profile = tempfile.mkdtemp(prefix="spamloop-cdp-")
    # Its own session, so the zygote, renderers and crash handler can be stopped together: a helper that outlives
    # the browser keeps writing to the profile while it is being removed.
    process = subprocess.Popen(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         f"--user-data-dir={profile}", f"--remote-debugging-port={port}", "--window-size=1400,3000", "about:blank"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        target = None
        while target is None:
            with contextlib.suppress(OSError, ValueError):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as response:
                    target = next((t for t in json.load(response) if t.get("type") == "page"), None)
            if target is None:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"chromium gave no DevTools page on port {port}")
                time.sleep(0.5)
        with connect(target["webSocketDebuggerUrl"], max_size=None, open_timeout=30) as socket:
            yield Page(socket)
    finally:
        stop_process_group(process)
        _remove_profile(profile)


def dump_dom(
    chromium: str, url: str, virtual_time_budget_ms: int, env: dict[str, str] | None = None, timeout_s: float = 120
) -> subprocess.CompletedProcess[str]:
    """``chromium --dump-dom`` of ``url`` after a virtual-time budget, in a fresh profile removed afterwards with
    every helper process stopped first (as ``chromium_page`` does)."""
    profile = tempfile.mkdtemp(prefix="spamloop-chromium-")
    args = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            f"--user-data-dir={profile}", f"--virtual-time-budget={virtual_time_budget_ms}", "--dump-dom", url]
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    finally:
        stop_process_group(process)
        _remove_profile(profile)
    return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)


def _remove_profile(profile: str) -> None:
    """Remove the browser profile; a helper's last write can land between listing a folder and removing it."""
    for attempt in range(5):
        try:
            shutil.rmtree(profile)
            return
        except FileNotFoundError:
            return
        except OSError:
            if attempt == 4:
                raise
            time.sleep(1)


def submitted_json(page: Page, url: str, button: str, url_part: str, ready: str) -> dict[str, Any]:
    """Open ``url``, wait until ``ready`` (JavaScript) holds, click the button labelled ``button`` and return the
    JSON body of the first request whose URL contains ``url_part``; that request is stopped before it leaves the
    browser, so nothing is created on the server."""
    page.call("Fetch.enable", patterns=[{"urlPattern": f"*{url_part}*", "requestStage": "Request"}])
    page.call("Page.enable")
    page.call("Page.navigate", url=url)
    page.wait_for(ready)
    time.sleep(2)  # the form settles its default values in debounced updates
    clicked = page.evaluate(
        "(() => { const b = Array.from(document.querySelectorAll('button'))"
        f".filter(b => b.textContent.trim() === {json.dumps(button)}).pop(); if (!b) return false; b.click(); return true; }})()"
    )
    if not clicked:
        raise RuntimeError(f"no button {button!r} on {url}")
    paused = page.next_event("Fetch.requestPaused")
    page.call("Fetch.failRequest", requestId=paused["requestId"], errorReason="Aborted")
    return json.loads(paused["request"]["postData"])
