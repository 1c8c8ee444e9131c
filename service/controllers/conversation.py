"""GET and DELETE /conversation/{session_id}: a visitor reads or erases their conversation."""

from __future__ import annotations

from litestar import Controller, delete, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from memory import ConversationStore, SessionNotFound
from service.contract import ConversationMessage, ConversationView


class ConversationController(Controller):
    path = "/conversation"
    tags = ["conversation"]

    @get("/{session_id:str}", summary="A conversation's messages")
    async def get_conversation(
        self, session_id: FromPath[str], store: NamedDependency[ConversationStore]
    ) -> ConversationView:
        found = await store.load(session_id)
        if found is None:
            raise SessionNotFound("session not found")
        messages = [
            ConversationMessage(role=m.role, content=m.content, timestamp=m.timestamp)
            for m in found.conversation.messages
        ]
        return ConversationView(session_id=session_id, messages=messages)

    @delete(
        "/{session_id:str}",
        status_code=204,
        summary="Erase a conversation",
        description="204 when erased; 404 if the session is unknown (or already erased); 400 if malformed.",
    )
    async def delete_conversation(
        self, session_id: FromPath[str], store: NamedDependency[ConversationStore]
    ) -> None:
        if not await store.delete(session_id):
            raise SessionNotFound("session not found")
