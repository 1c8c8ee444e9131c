"""POST /mcp: the MCP endpoint (Streamable HTTP), mounted when TWIN_MCP is on.

The handler checks the origin as the chat routes do and hands the request, body unread, to the MCP
app (`service.mcp`), both through its one dependency `mcp` (`McpDoor`); what a message costs is
limited there, per tool.
The server keeps no sessions, so the server-to-client stream (GET) and ending a session (DELETE) are
refused with 405, as the protocol asks of a server that offers neither.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, Response, post, route
from litestar.di import NamedDependency
from litestar.enums import HttpMethod
from litestar.types import ASGIApp

from service.http.admission import McpDoor
from service.http.contract import ErrorBody


class McpController(Controller):
    path = "/mcp"
    tags = ["mcp"]
    include_in_schema = False

    @post("/", status_code=200)
    async def messages(
        self,
        request: Request[Any, Any, Any],
        mcp: NamedDependency[McpDoor],
    ) -> ASGIApp:
        return mcp.enter(request)

    @route("/", http_method=[HttpMethod.GET, HttpMethod.DELETE], status_code=405)
    async def no_sessions(self) -> Response[ErrorBody]:
        return Response(
            ErrorBody(status_code=405, detail="this MCP server is stateless: POST JSON-RPC messages only"),
            status_code=405,
            headers={"Allow": "POST"},
            media_type=MediaType.JSON,
        )
