"""The ASGI app behind POST /mcp. It imports the MCP SDK (`service.mcp.server`) on its first request,
builds the SDK's server once per process, and answers every request on its own (stateless)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar.types import Receive, Scope, Send

from service.mcp.envelope import invalid, read_body, refuse
from service.mcp.twin import McpTwin

if TYPE_CHECKING:
    from mcp.server.lowlevel import Server


class McpEndpoint:
    """Streamable HTTP at /mcp; the HTTP controller hands it each request after the origin check."""

    def __init__(self, twin: McpTwin, *, version: str, max_message_chars: int, max_body_bytes: int) -> None:
        self._twin = twin
        self._version = version
        self._max_message_chars = max_message_chars
        #: The chat API's body limit (TWIN_MAX_BODY_BYTES): larger bodies get a 413 before parsing.
        self._max_body_bytes = max_body_bytes
        self._server: Server[Any] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body, receive = await read_body(receive, self._max_body_bytes)
        if body is not None and invalid(body):
            await refuse(send)
            return
        from service.mcp.server import answer, build_server

        if self._server is None:
            self._server = build_server(
                self._twin, version=self._version, max_message_chars=self._max_message_chars
            )
        await answer(self._server, self._max_body_bytes, scope, receive, send)
