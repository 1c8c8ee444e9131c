"""`twin serve`'s server: uvicorn with timeouts and limits against slow and idle clients.

uvicorn closes an idle keep-alive connection, but it waits forever for a request that never finishes
arriving: a client that sends its headers or its body a byte at a time (or nothing at all) keeps its
connection, and a few hundred such clients keep them all. Here each request must arrive whole within
TWIN_SERVE_REQUEST_TIMEOUT_SECONDS of its connection opening (or of the previous response), idle
keep-alive connections close after TWIN_SERVE_KEEP_ALIVE_SECONDS, connections beyond
TWIN_SERVE_MAX_CONCURRENCY are answered 503 and headers are bounded to MAX_HEADER_BYTES.
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from service.settings import Settings, get_settings

log = logging.getLogger("twin.serve")

#: The largest request head (request line and headers) accepted, h11's own default.
MAX_HEADER_BYTES = 16 * 1024
#: How long a stopping server lets streams in progress finish.
GRACEFUL_SHUTDOWN_SECONDS = 10


class RequestDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request to arrive whole."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seconds = get_settings().serve.request_timeout_seconds
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE and self.conn.their_state is not h11.SEND_BODY:
            self._disarm()  # the request is whole (or the connection is over)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request on this connection gets its own deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self._seconds, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not self.transport.is_closing():
            log.info("closed a connection whose request did not arrive within %gs", self._seconds)
            self.transport.close()


def serve(settings: Settings, host: str, port: int, *, reload: bool = False) -> None:
    """Run the app (`service.entry.asgi:app`) under uvicorn with the settings' timeouts and limits."""
    import uvicorn

    limits = settings.serve
    uvicorn.run(
        "service.entry.asgi:app",
        host=host,
        port=port,
        reload=reload,
        proxy_headers=False,
        http=f"{__name__}:{RequestDeadlineProtocol.__name__}",
        timeout_keep_alive=max(1, math.ceil(limits.keep_alive_seconds)),
        limit_concurrency=limits.max_concurrency,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
