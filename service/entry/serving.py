"""`twin serve`'s server: uvicorn on uvloop and httptools, with limits against slow and idle clients.

uvicorn closes an idle keep-alive connection, but it waits forever for a request that never finishes
arriving: a client that sends its headers or its body a byte at a time (or nothing at all) keeps its
connection, and a few hundred such clients keep them all. Here each request must arrive whole within
TWIN_SERVE_REQUEST_TIMEOUT_SECONDS of its connection opening (or of the previous response), idle
keep-alive connections close after TWIN_SERVE_KEEP_ALIVE_SECONDS, connections beyond
TWIN_SERVE_MAX_CONCURRENCY are answered 503 and a request's head (request line and headers) beyond
MAX_HEADER_BYTES is answered 431: httptools itself bounds none of it.

uvloop and httptools (uvicorn's own choices where they are installed) parse and schedule in C, which
takes about a tenth off the CPU of a turn (docs/benchmarks.md, "turn cost"). The Lambda package
leaves both out: there the server answers one request at a time. The served process also hands the
GIL over more often than Python does by default, for the file store's worker thread
(`hand_over_the_gil_often`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import sys
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from service.settings import Settings, get_settings

log = logging.getLogger("twin.serve")

#: How long a thread may keep the GIL from another waiting for it (Python's default: 5 ms). The file
#: store's worker thread needs it back after each file call of a batch, and behind a busy event loop
#: waited up to the whole interval each time: 0.5 ms took about 8 ms off the p50 of 64 visitors at
#: once, for about 3% more CPU a turn (docs/benchmarks.md, "turn cost").
SWITCH_INTERVAL_SECONDS = 0.0005
#: The largest request head (request line and headers) accepted.
MAX_HEADER_BYTES = 16 * 1024
#: How long a stopping server lets streams in progress finish.
GRACEFUL_SHUTDOWN_SECONDS = 10
_TOO_LARGE = b"request header fields too large"


class _HeadTooLarge(Exception):
    """Stops httptools' parsing of a head beyond MAX_HEADER_BYTES (see `send_400_response`)."""


class RequestDeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline for each request to arrive whole and a bound on
    its head."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seconds = get_settings().serve.request_timeout_seconds
        self._deadline: asyncio.TimerHandle | None = None
        #: Bytes received for a request whose head is not whole yet; None while its body comes.
        self._head_bytes: int | None = 0
        self._head_too_large = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._head_bytes is not None:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._head_bytes is not None and self._head_bytes > MAX_HEADER_BYTES:
            self._head_too_large = True
            self._refuse_head()  # and still no end to it

    def on_headers_complete(self) -> None:
        if len(self.url) + sum(len(name) + len(value) for name, value in self.headers) > MAX_HEADER_BYTES:
            self._head_too_large = True
            raise _HeadTooLarge  # httptools stops; uvicorn answers through send_400_response
        self._head_bytes = None
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._head_bytes = 0  # what follows is the next request's head

    def send_400_response(self, msg: str) -> None:
        if self._head_too_large:
            self._refuse_head()
        else:
            super().send_400_response(msg)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request on this connection gets its own deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _refuse_head(self) -> None:
        if self.transport.is_closing():
            return
        log.info("refused a request whose head is over %d bytes", MAX_HEADER_BYTES)
        head = [STATUS_LINE[431], b"content-type: text/plain; charset=utf-8\r\n"]
        head += [b"content-length: %d\r\n" % len(_TOO_LARGE), b"connection: close\r\n\r\n"]
        self.transport.write(b"".join(head) + _TOO_LARGE)
        self.transport.close()

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self._seconds, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        cycle = self.cycle
        answering = cycle is not None and not cycle.more_body and not cycle.response_complete
        if answering or self.pipeline or self.transport.is_closing():
            return  # a whole request is being answered; its response arms the next deadline
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
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        log_level=settings.log_level.lower(),  # uvicorn's own lines (start, access) follow TWIN_LOG_LEVEL
    )


def hand_over_the_gil_often() -> None:
    """Let a thread waiting for the GIL (a batch of the store's writes) have it within
    SWITCH_INTERVAL_SECONDS while the event loop is busy."""
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
