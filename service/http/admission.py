"""Who may ask the twin something right now: the origin check and the rate limits, in one place.

The origin check is not authentication: any non-browser client can send any Origin header (or
none). It stops other websites from embedding the twin through visitors' browsers, alongside CORS;
`CORS_ORIGINS=*` lets every origin through here as it does in CORS. The API's own origin is taken
from the Host header, which the allowed-hosts check (`service.http.hosts`) has vouched for first.

The visitor routes reach admission through their doors (`ChatDoor`, `FeedbackDoor`, `McpDoor`): each
route's one dependency, admission first, then the work.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.types import ASGIApp

from memory import ConversationStore, SessionNotFound, replies
from service.chat.engine import ChatEngine
from service.chat.turn import Turn
from service.errors import OriginNotAllowed, RateLimited, ReplyNotFound
from service.http.contract import ChatRequest, FeedbackRequest
from service.http.limits import VisitorLimits
from service.owner.loop import OwnerLoop
from service.settings import LimitSettings

#: The CORS_ORIGINS value that allows every origin (the seed's and the course's setting).
ANY_ORIGIN = "*"


class Admission:
    """Checked by the chat handlers before any work is done."""

    def __init__(self, limits: LimitSettings, cors_origins: tuple[str, ...]) -> None:
        self.allowed_origins = frozenset(cors_origins)
        self.any_origin = ANY_ORIGIN in self.allowed_origins
        self.limits = VisitorLimits(
            limits.rate_limit_per_minute, limits.session_rate_limit_per_minute, limits.new_sessions_per_hour
        )

    def admit(self, request: Request[Any, Any, Any], session_id: str | None) -> str:
        """Returns: the client's IP, which the turn's quotas and notification bounds use.
        Raises: OriginNotAllowed (403) or RateLimited (429, with the seconds to wait)."""
        self.check_origin(request)
        # The peer address: behind API Gateway, Mangum takes it from the request context
        # (requestContext.http.sourceIp), never from a header a client could forge.
        client_ip = request.client.host if request.client else "unknown"
        exceeded = self.limits.check(client_ip, session_id)
        if exceeded:
            raise RateLimited(*exceeded)
        return client_ip

    def check_origin(self, request: Request[Any, Any, Any]) -> None:
        """Raises: OriginNotAllowed (403) for a browser on a site the owner has not allowed."""
        origin = request.headers.get("origin")
        allowed = self.any_origin or origin in self.allowed_origins or origin == _own_origin(request)
        if origin and not allowed:
            raise OriginNotAllowed(origin)


class ChatDoor:
    """The chat routes' one dependency: a visitor's message is admitted, then the engine takes it.

    One object rather than `admission` and `engine` side by side: Litestar resolves two or more
    dependencies of a handler in a task group of their own, one more pass through the event loop for
    every message, and under load each pass waits behind every other request's work (see "turn cost"
    in docs/benchmarks.md).
    """

    def __init__(self, admission: Admission, engine: ChatEngine) -> None:
        self.admission = admission
        self.engine = engine

    async def reply(self, request: Request[Any, Any, Any], data: ChatRequest, key: str | None) -> Turn:
        """The whole turn (Raises: as `Admission.admit` and `ChatEngine.begin`)."""
        client_ip = self.admission.admit(request, data.session_id)
        return await self.engine.reply(
            data.message, data.session_id, idempotency_key=key, client_ip=client_ip
        )

    async def begin(self, request: Request[Any, Any, Any], data: ChatRequest, key: str | None) -> Turn:
        """The turn, ready to stream (Raises: as `Admission.admit` and `ChatEngine.begin`)."""
        client_ip = self.admission.admit(request, data.session_id)
        return await self.engine.begin(
            data.message, data.session_id, idempotency_key=key, client_ip=client_ip
        )


class FeedbackDoor:
    """The feedback route's one dependency: the visitor admitted as for chat, then the vote recorded
    on a reply that exists. One object, for the reason `ChatDoor` gives."""

    def __init__(self, admission: Admission, conversations: ConversationStore, owner: OwnerLoop) -> None:
        self.admission = admission
        self.conversations = conversations
        self.owner = owner

    async def rate(self, request: Request[Any, Any, Any], vote: FeedbackRequest) -> None:
        """Raises: as `Admission.admit`; SessionNotFound, or ReplyNotFound for a reply not yet given."""
        self.admission.admit(request, vote.session_id)
        found = await self.conversations.load(vote.session_id)
        if found is None:
            raise SessionNotFound("session not found")
        given = replies(found.conversation.messages)
        if vote.reply > given:
            raise ReplyNotFound(vote.reply, given)
        await self.owner.record_feedback(vote.session_id, vote.reply, vote.rating, vote.comment.strip())


class McpDoor:
    """The MCP route's one dependency: the origin checked as the chat routes check it, then the MCP
    app (`service.mcp`), which limits what each tool costs. One object, for the reason `ChatDoor`
    gives."""

    def __init__(self, admission: Admission, app: ASGIApp) -> None:
        self.admission = admission
        self.app = app

    def enter(self, request: Request[Any, Any, Any]) -> ASGIApp:
        """The MCP app, to answer `request` (Raises: OriginNotAllowed for a site not allowed)."""
        self.admission.check_origin(request)
        return self.app


def _own_origin(request: Request[Any, Any, Any]) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"
