"""A local server for tests, served from a daemon thread while its `with` block runs."""

from __future__ import annotations

import socketserver
import threading
from types import TracebackType
from typing import Self


class ServedInThread:
    """Serves `server` from a daemon thread on `with`; on exit stops it, closes its socket and joins."""

    def __init__(self, server: socketserver.BaseServer) -> None:
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
