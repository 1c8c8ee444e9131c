"""POST /chat and POST /chat/stream."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import HeaderParameter, JSONBody
from litestar.response import ServerSentEvent, ServerSentEventMessage

from memory import StoreError
from service.chat.turn import Turn
from service.errors import classify, public_message, retry_after
from service.http.admission import ChatDoor
from service.http.contract import (
    IDEMPOTENCY_KEY_HELP,
    IDEMPOTENCY_KEY_PATTERN,
    ChatRequest,
    ChatResponse,
    DeltaEvent,
    DoneEvent,
    ErrorEvent,
    SessionEvent,
)
from service.http.openapi import error_responses, stream_response
from service.providers import ProviderError

log = logging.getLogger("twin.chat")
_encode = msgspec.json.Encoder().encode

#: What either chat route answers before any reply: a bad message, a refused visitor, a failed turn.
CHAT_ERRORS = (400, 403, 404, 409, 413, 429, 503)

#: The standard `Idempotency-Key` request header, the same key as the body's `idempotency_key`.
#: Documented as an optional string: a header is absent or text, never JSON's null.
IdempotencyHeader = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description=IDEMPOTENCY_KEY_HELP,
        required=False,
        schema_extra={"oneOf": None, "type": "string"},
    ),
]


def idempotency_key(data: ChatRequest, header: str | None) -> str | None:
    """The message's key: the body's field, else the header. The field wins because the client's own
    code sets it; a header may come from a library that makes a new one for every attempt."""
    return data.idempotency_key or header


class ChatController(Controller):
    path = "/chat"
    tags = ["chat"]

    @post(
        "/",
        status_code=200,
        summary="Send a message and get the whole reply",
        responses=error_responses(*CHAT_ERRORS),
    )
    async def chat(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ChatRequest],
        door: NamedDependency[ChatDoor],
        idempotency_header: IdempotencyHeader = None,
    ) -> ChatResponse:
        turn = await door.reply(request, data, idempotency_key(data, idempotency_header))
        return ChatResponse(
            response=turn.reply,
            session_id=turn.session_id,
            reply=None if turn.held else turn.number,
            owner_present=turn.held,
        )

    @post(
        "/stream",
        status_code=200,
        summary="Send a message and stream the reply as server-sent events",
        description=(
            "Events in order: `session` {session_id}, `delta` {text} for each piece, then `done` "
            "{session_id, response, reply, owner_present} or `error` {error, detail, retry_after}. While "
            "the owner is in the conversation in person, the message goes to them: no `delta`, and "
            "`done` has an empty response, no reply number and `owner_present` true. A failure before "
            "the stream starts is a plain error status instead. `done`'s response is the reply as "
            "stored, the one to show: it differs from the deltas only when another request with the "
            "same idempotency key (a retry racing this one) stored the turn first."
        ),
        responses={
            **stream_response("The reply as server-sent events"),
            **error_responses(*CHAT_ERRORS),
        },
    )
    async def chat_stream(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ChatRequest],
        door: NamedDependency[ChatDoor],
        idempotency_header: IdempotencyHeader = None,
    ) -> ServerSentEvent:
        turn = await door.begin(request, data, idempotency_key(data, idempotency_header))
        return ServerSentEvent(
            _events(turn), headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        )


def _event(name: str, body: msgspec.Struct) -> ServerSentEventMessage:
    return ServerSentEventMessage(event=name, data=_encode(body).decode())


async def _events(turn: Turn) -> AsyncIterator[ServerSentEventMessage]:
    yield _event("session", SessionEvent(session_id=turn.session_id))
    try:
        async for text in turn.deltas():
            yield _event("delta", DeltaEvent(text=text))
    except (ProviderError, StoreError) as exc:
        _, kind = classify(exc)
        log.warning("stream failed: %s (%s)", kind, type(exc).__name__)
        yield _event(
            "error", ErrorEvent(error=kind, detail=public_message(exc), retry_after=retry_after(exc))
        )
        return
    done = DoneEvent(
        session_id=turn.session_id,
        response=turn.reply,
        reply=None if turn.held else turn.number,
        owner_present=turn.held,
    )
    yield _event("done", done)
