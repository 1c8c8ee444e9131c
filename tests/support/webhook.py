"""A webhook receiver on 127.0.0.1 for owner notifications (from this process or another), and a twin
that notifies one."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from memory import Store
from service.app import Twin
from service.settings import Settings
from tests.support.in_thread import ServedInThread
from tests.support.settings import tweak
from tests.support.twins import twin_for


class WebhookReceiver(ServedInThread):
    """Keeps the JSON bodies POSTed to it, then answers with `status` after `delay` seconds; use as a
    context manager (it stops on exit)."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = 200
        #: Seconds to take before answering (a slow receiver).
        self.delay = 0.0
        arrived = self._arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                with arrived:
                    receiver.bodies.append(body)
                    arrived.notify_all()
                time.sleep(receiver.delay)
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{server.server_port}/hook"
        super().__init__(server)

    def wait_for(self, matches: Callable[[dict[str, Any]], bool], timeout: float = 10.0) -> dict[str, Any]:
        """The first body `matches` accepts, waiting for it to arrive (LookupError if it does not)."""
        with self._arrived:
            if self._arrived.wait_for(lambda: any(matches(b) for b in self.bodies), timeout=timeout):
                return next(b for b in self.bodies if matches(b))
        raise LookupError("no such notification arrived")


def notifying(settings: Settings, backend: Store, url: str, timeout: float = 2.0, **env: Any) -> Twin:
    """The app's twin notifying the owner through a webhook at `url`."""
    return twin_for(
        tweak(settings, TWIN_NOTIFY_WEBHOOK_URL=url, TWIN_NOTIFY_TIMEOUT_SECONDS=timeout, **env), backend
    )
