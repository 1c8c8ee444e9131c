"""The application's errors and their one mapping to HTTP responses."""

from __future__ import annotations

import logging
import math
from typing import Any

from litestar import MediaType, Request, Response

from memory import ConflictError, InvalidSessionId, SessionNotFound, StoreError, StoreUnavailable
from persona_sources import PersonaError
from service.contract import ErrorBody
from service.providers import ProviderError

log = logging.getLogger("twin")


class TwinError(Exception):
    """Base of the service's own errors; the message is safe to show to a client."""


class MessageTooLong(TwinError):
    def __init__(self, limit: int, length: int) -> None:
        super().__init__(f"message is {length} characters long; the limit is {limit}")
        self.limit = limit


class RateLimited(TwinError):
    def __init__(self, what: str, retry_after: float) -> None:
        super().__init__(f"too many {what}; try again in {retry_after:.0f} seconds")
        self.retry_after = retry_after


class OriginNotAllowed(TwinError):
    def __init__(self, origin: str) -> None:
        super().__init__(f"requests from {origin} are not accepted; the owner has not allowed that origin")


class ConversationFull(TwinError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"this conversation has reached {limit} turns; please start a new one")
        self.limit = limit


class ReplyNotFound(TwinError):
    def __init__(self, reply: int, replies: int) -> None:
        super().__init__(f"reply {reply} not found: the session has {replies} replies")


#: (exception type, status, error kind), most specific first.
STATUS: tuple[tuple[type[Exception], int, str], ...] = (
    (MessageTooLong, 400, "message_too_long"),
    (RateLimited, 429, "rate_limited"),
    (OriginNotAllowed, 403, "origin_not_allowed"),
    (ConversationFull, 409, "conversation_full"),
    (InvalidSessionId, 400, "invalid_session_id"),
    (ReplyNotFound, 404, "reply_not_found"),
    (SessionNotFound, 404, "session_not_found"),
    (ConflictError, 409, "conflict"),
    (StoreUnavailable, 503, "memory_unavailable"),
    (StoreError, 503, "memory_unavailable"),
    (ProviderError, 503, "model_unavailable"),
    (PersonaError, 500, "persona_error"),
)


def classify(exc: Exception) -> tuple[int, str]:
    """The HTTP status and the short error kind for an application error."""
    for kind, status, name in STATUS:
        if isinstance(exc, kind):
            return status, name
    return 500, "internal_error"


def retry_after(exc: Exception) -> int | None:
    """Seconds a client should wait before retrying, for errors that are worth retrying."""
    if isinstance(exc, RateLimited):
        return max(1, math.ceil(exc.retry_after))
    status, _ = classify(exc)
    if status != 503:
        return None
    upstream = exc.retry_after if isinstance(exc, ProviderError) else None
    return max(1, math.ceil(upstream)) if upstream else 5


def public_message(exc: Exception) -> str:
    """What a client may read about `exc`: our own messages, never internals."""
    status, _ = classify(exc)
    return str(exc) if status < 500 or status == 503 else "internal server error"


def handle_app_error(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    """The one mapping from application errors to HTTP responses."""
    status, kind = classify(exc)
    if status >= 500:
        log.warning(
            "request failed: %s %s -> %d %s (%s)",
            request.method,
            request.url.path,
            status,
            kind,
            type(exc).__name__,
        )
    extra: dict[str, object] | None = {"error": kind}
    if isinstance(exc, MessageTooLong):
        extra = {"error": kind, "key": "message", "max_message_chars": exc.limit}
    headers = {}
    wait = retry_after(exc)
    if wait is not None:
        headers["Retry-After"] = str(wait)
    return Response(
        ErrorBody(status_code=status, detail=public_message(exc), extra=extra),
        status_code=status,
        headers=headers,
        media_type=MediaType.JSON,
    )


def handle_internal(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    """Anything unforeseen: logged with its trace on the server, a plain 500 for the client."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return Response(
        ErrorBody(status_code=500, detail="internal server error"), status_code=500, media_type=MediaType.JSON
    )
