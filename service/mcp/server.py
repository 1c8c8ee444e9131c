"""The MCP SDK's side of /mcp: a low-level `Server` whose handlers decode, call `McpTwin` and encode,
and the Streamable HTTP transport that answers each request.

Only `service.mcp.endpoint` imports this module, on the first MCP request: importing the SDK costs
about as much as the rest of the app, and a process that never serves MCP should not pay for it.

Every request gets a fresh session manager, stateless (no `Mcp-Session-Id`, nothing kept between
requests) and answering in JSON, entered and left around that one request. Nothing outlives the
request: no task group waits for an ASGI lifespan that Mangum never runs, and any process (any
Lambda container) can answer the next request.

Errors: a tool's bad arguments and every failure the twin names (limits, message length, unknown
conversation, the model or memory unavailable) are tool results with `isError` and the message
POST /chat would give, so the calling model can read them and recover; an unknown tool, resource or
prompt is a JSON-RPC "invalid params" error. Nothing a client sends makes a 500.
"""

from __future__ import annotations

import logging
from typing import Any, cast

import mcp.types as types
import msgspec
from litestar.types import Receive, Scope, Send
from mcp import MCPError
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.requests import Request

from memory import SessionNotFound, StoreError
from service.errors import TwinError, public_message
from service.mcp.contract import (
    CARD_URI,
    INTRODUCE,
    LLMS_TXT_URI,
    AskArgs,
    IntroduceArgs,
    MessageArgs,
    ProfileArgs,
    Result,
    Tool,
    introduce_prompt,
    tools_for,
)
from service.mcp.twin import McpTwin
from service.providers import ProviderError

log = logging.getLogger("twin.mcp")
# A transport and a manager per request: the SDK's INFO lines about their start and end say nothing.
logging.getLogger("mcp.server").setLevel(logging.WARNING)

Context = ServerRequestContext[Any, Any]
_encode = msgspec.json.Encoder().encode
#: Failures the twin names; their messages are safe to show (the same as POST /chat's error bodies).
NAMED_FAILURES = (TwinError, StoreError, ProviderError)


def build_server(twin: McpTwin, *, version: str, max_message_chars: int) -> Server[Any]:
    """The server, its tools, resources and prompt: built once per process, on the first request."""
    persona = twin.persona
    tools = {tool.name: tool for tool in tools_for(persona.name, max_message_chars)}
    listed = types.ListToolsResult(tools=[_listed(tool) for tool in tools.values()])
    resources = types.ListResourcesResult(
        resources=[
            types.Resource(
                uri=CARD_URI,
                name="persona-card",
                title=f"{persona.name}'s persona card",
                description="Name, headline, greeting and suggested questions, as GET /persona gives them.",
                mime_type="application/json",
            ),
            types.Resource(
                uri=LLMS_TXT_URI,
                name="llms.txt",
                title=f"{persona.full_name}: llms.txt",
                description="The owner's public profile as Markdown (llmstxt.org), as published.",
                mime_type="text/markdown",
            ),
        ]
    )
    prompt = introduce_prompt(persona.name)
    prompts = types.ListPromptsResult(
        prompts=[
            types.Prompt(
                name=prompt.name,
                title=prompt.title,
                description=prompt.description,
                arguments=[
                    types.PromptArgument(name=a.name, description=a.description, required=a.required)
                    for a in prompt.arguments
                ],
            )
        ]
    )

    async def list_tools(ctx: Context, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        return listed

    async def call_tool(ctx: Context, params: types.CallToolRequestParams) -> types.CallToolResult:
        tool = tools.get(params.name)
        if tool is None:
            raise MCPError(
                types.INVALID_PARAMS, f"unknown tool {params.name[:60]!r}; the tools are {', '.join(tools)}"
            )
        try:
            args = msgspec.convert(params.arguments or {}, tool.arguments)
        except msgspec.ValidationError as exc:
            return _failed(f"invalid arguments for {tool.name}: {exc}")
        try:
            result = await _run(twin, args, _client_ip(ctx))
        except NAMED_FAILURES as exc:
            log.info("tool %s refused: %s", tool.name, type(exc).__name__)
            return _failed(_public_message(exc))
        structured = msgspec.to_builtins(result)
        return types.CallToolResult(
            content=[types.TextContent(text=_encode(result).decode())], structured_content=structured
        )

    async def list_resources(
        ctx: Context, params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        return resources

    async def read_resource(
        ctx: Context, params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        uri = str(params.uri)
        if uri == CARD_URI:
            text, mime = _encode(twin.card).decode(), "application/json"
        elif uri == LLMS_TXT_URI:
            text, mime = twin.llms_txt(_endpoint(ctx)), "text/markdown"
        else:
            raise MCPError(
                types.INVALID_PARAMS,
                f"unknown resource {uri[:100]!r}; the resources are {CARD_URI} and {LLMS_TXT_URI}",
                data={"uri": uri[:100]},
            )
        return types.ReadResourceResult(
            contents=[types.TextResourceContents(uri=uri, mime_type=mime, text=text)]
        )

    async def list_prompts(
        ctx: Context, params: types.PaginatedRequestParams | None
    ) -> types.ListPromptsResult:
        return prompts

    async def get_prompt(ctx: Context, params: types.GetPromptRequestParams) -> types.GetPromptResult:
        if params.name != INTRODUCE:
            raise MCPError(
                types.INVALID_PARAMS, f"unknown prompt {params.name[:60]!r}; the prompt is {INTRODUCE}"
            )
        try:
            args = msgspec.convert(params.arguments or {}, IntroduceArgs)
        except msgspec.ValidationError as exc:
            raise MCPError(types.INVALID_PARAMS, f"invalid arguments for {INTRODUCE}: {exc}") from None
        return types.GetPromptResult(
            description=prompt.title,
            messages=[
                types.PromptMessage(role="user", content=types.TextContent(text=twin.introduction(args)))
            ],
        )

    return Server(
        "twin",
        version=version,
        title=f"{persona.full_name}'s digital twin",
        description=persona.headline or None,
        instructions=(
            f"This server is {persona.full_name}'s digital twin. Use get_profile for their public profile, "
            f"ask_twin for anything else about them (it answers in {persona.name}'s voice, only from what "
            f"they published), and leave_message only when the user wants {persona.name} to get in touch."
        ),
        website_url=persona.website,
        get_tool_input_schema=lambda name: tools[name].input_schema if name in tools else None,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
        on_list_prompts=list_prompts,
        on_get_prompt=get_prompt,
    )


async def answer(
    server: Server[Any], max_body_bytes: int, scope: Scope, receive: Receive, send: Send
) -> None:
    """Answer one HTTP request with a session manager of its own (see the module's docstring)."""
    manager = StreamableHTTPSessionManager(
        server, stateless=True, json_response=True, max_request_body_size=max_body_bytes
    )
    async with manager.run():
        # Litestar's typed scope is narrower than Starlette's mapping; at run time they are the same.
        await manager.handle_request(cast(Any, scope), cast(Any, receive), cast(Any, send))


async def _run(twin: McpTwin, args: msgspec.Struct, client_ip: str) -> Result:
    if isinstance(args, AskArgs):
        return await twin.ask(args, client_ip)
    if isinstance(args, MessageArgs):
        return await twin.leave_message(args, client_ip)
    assert isinstance(args, ProfileArgs)
    return twin.profile


def _listed(tool: Tool) -> types.Tool:
    return types.Tool(
        name=tool.name,
        title=tool.title,
        description=tool.description,
        input_schema=tool.input_schema,
        output_schema=tool.output_schema,
        annotations=types.ToolAnnotations(
            title=tool.title,
            read_only_hint=tool.read_only,
            destructive_hint=False,
            idempotent_hint=tool.read_only,
            open_world_hint=False,
        ),
    )


def _public_message(exc: Exception) -> str:
    """What POST /chat would say, in the tool's words: it asks about a conversation, not a session."""
    if isinstance(exc, SessionNotFound):
        return "conversation not found; omit conversation_id to start a new conversation"
    return public_message(exc)


def _failed(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=message)], is_error=True)


def _client_ip(ctx: Context) -> str:
    """The connection's peer, as for POST /chat (behind API Gateway, Mangum's `sourceIp`)."""
    request = ctx.request
    client = request.client if isinstance(request, Request) else None
    return client.host if client else "unknown"


def _endpoint(ctx: Context) -> str:
    """The URL this request reached the endpoint at."""
    request = ctx.request
    return str(request.url) if isinstance(request, Request) else ""
