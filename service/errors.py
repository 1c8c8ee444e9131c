"""The application's errors and the one table that gives each error its HTTP status and short kind.

The chat turn logs the kind; `service.http.responses` turns an error into its HTTP answer.
"""

from __future__ import annotations

import math

from memory import ConflictError, InvalidSessionId, SessionNotFound, StoreError, StoreUnavailable
from persona_sources import PersonaError
from service.providers import ProviderError
from service.providers.base import MAX_WAIT_SECONDS, wait_seconds


class TwinError(Exception):
    """Base of the service's own errors; the message is safe to show to a client."""


class MessageTooLong(TwinError):
    def __init__(self, limit: int, length: int) -> None:
        super().__init__(f"message is {length} characters long; the limit is {limit}")
        self.limit = limit


class MessageBlank(TwinError):
    def __init__(self) -> None:
        super().__init__("message has no visible character")


class IdempotencyKeyReused(TwinError):
    def __init__(self) -> None:
        super().__init__(
            "this idempotency key was already used for a different message in this conversation; "
            "send a new key with a new message"
        )


class RateLimited(TwinError):
    def __init__(self, what: str, retry_after: float) -> None:
        wait = wait_seconds(max(0.0, retry_after))  # "never" (inf) is the ceiling, "past" is 1 s
        self.retry_after = float(
            MAX_WAIT_SECONDS if wait is None else min(max(1, math.ceil(wait)), MAX_WAIT_SECONDS)
        )
        super().__init__(f"too many {what}; try again in {self.retry_after:.0f} seconds")


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


class NotSignedIn(TwinError):
    """An owner's API request without a live session."""

    def __init__(self) -> None:
        super().__init__("sign in to the owner's room first")


class QuestionNotFound(TwinError):
    def __init__(self) -> None:
        super().__init__("question not found")


class OwnerNotPresent(TwinError):
    def __init__(self) -> None:
        super().__init__(
            "you are not in this conversation (or were quiet too long and the twin took over): join it first"
        )


#: (exception type, status, error kind), most specific first.
STATUS: tuple[tuple[type[Exception], int, str], ...] = (
    (MessageTooLong, 400, "message_too_long"),
    (MessageBlank, 400, "message_blank"),
    (IdempotencyKeyReused, 409, "idempotency_key_reused"),
    (RateLimited, 429, "rate_limited"),
    (OriginNotAllowed, 403, "origin_not_allowed"),
    (ConversationFull, 409, "conversation_full"),
    (InvalidSessionId, 400, "invalid_session_id"),
    (ReplyNotFound, 404, "reply_not_found"),
    (NotSignedIn, 401, "not_signed_in"),
    (QuestionNotFound, 404, "question_not_found"),
    (OwnerNotPresent, 409, "owner_not_present"),
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


#: What a client is asked to wait after a 503 when nothing better is known.
DEFAULT_RETRY_SECONDS = 5


def retry_after(exc: Exception) -> int | None:
    """Whole seconds a client should wait before retrying (1 to MAX_WAIT_SECONDS), for errors that
    are worth retrying; whatever an upstream said, the value sent is always a sane number."""
    if isinstance(exc, RateLimited):
        wait = wait_seconds(exc.retry_after)
    else:
        status, _ = classify(exc)
        if status != 503:
            return None
        wait = wait_seconds(exc.retry_after) if isinstance(exc, ProviderError) else None
    return min(max(1, math.ceil(wait)), MAX_WAIT_SECONDS) if wait else DEFAULT_RETRY_SECONDS


def public_message(exc: Exception) -> str:
    """What a client may read about `exc`: our own messages, never internals."""
    status, _ = classify(exc)
    return str(exc) if status < 500 or status == 503 else "internal server error"
