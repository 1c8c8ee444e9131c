"""GET and DELETE /conversation/{session_id}: a visitor reads or erases their conversation."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import Parameter

from memory import ConversationStore, SessionNotFound
from memory.keys import SESSION_ID_PATTERN
from memory.model import utc_now
from service.http.contract import ConversationMessage, ConversationView
from service.http.etag import etag_of, not_modified, unchanged
from service.http.openapi import error_responses
from service.owner.erasure import Erasure

#: Documented with the id's shape; the store checks it (400 "session_id is malformed" otherwise).
PathSessionId = Annotated[
    str,
    Parameter(
        description="An id the server issued (32 URL-safe characters).",
        schema_extra={"pattern": SESSION_ID_PATTERN},
    ),
]


class ConversationController(Controller):
    path = "/conversation"
    tags = ["conversation"]

    @get(
        "/{session_id:str}",
        summary="A conversation's messages",
        description=(
            "Carries an ETag: a page watching for the owner sends it back as If-None-Match and gets 304, "
            "with no body, until a message arrives or the owner comes or goes."
        ),
        responses={
            304: ResponseSpec(None, description="Nothing changed since the ETag sent as If-None-Match."),
            **error_responses(400, 404, 503),
        },
    )
    async def get_conversation(
        self,
        request: Request[Any, Any, Any],
        session_id: PathSessionId,
        conversations: NamedDependency[ConversationStore],
    ) -> Response[ConversationView]:
        found = await conversations.load(session_id)
        if found is None:
            raise SessionNotFound("session not found")
        present = found.conversation.owner_present(utc_now())
        etag = etag_of(found.version, str(present))
        if unchanged(request, etag):
            return not_modified(etag)
        messages = [
            ConversationMessage(role=m.role, content=m.content, timestamp=m.timestamp)
            for m in found.conversation.messages
        ]
        view = ConversationView(session_id=session_id, messages=messages, owner_present=present)
        return Response(view, headers={"ETag": etag, "Cache-Control": "no-cache"})

    @delete(
        "/{session_id:str}",
        status_code=204,
        summary="Erase a conversation and everything its visitor left",
        description=(
            "Erases the conversation and the contact details, questions, feedback and undelivered "
            "notifications it left. 204 when erased; 404 if the session is unknown (or already "
            "erased); 400 if malformed."
        ),
        responses=error_responses(400, 404, 503),
    )
    async def delete_conversation(self, session_id: PathSessionId, erasure: NamedDependency[Erasure]) -> None:
        if not await erasure.erase(session_id):
            raise SessionNotFound("session not found")
