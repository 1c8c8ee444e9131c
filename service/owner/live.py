"""Stepping in live: the owner joins a conversation, writes in person, and leaves.

Everything lives in the conversation's own document, which every turn and every poll reads anyway:
the owner's presence (`Conversation.owner`, until when the twin stays silent) and the owner's
messages (role `owner`). Nothing stays in a process's memory, so it works the same on Lambda, where
each request may reach another container. Each of the owner's messages moves the end of the quiet
period on; once it passes without a word, the twin answers again by itself.
"""

from __future__ import annotations

from datetime import timedelta

import msgspec

from memory import Conversation, ConversationStore, Message
from memory.model import OwnerPresence, utc_now
from service.errors import OwnerNotPresent


class LiveOwner:
    """Joins, writes and leaves on the owner's behalf."""

    def __init__(self, conversations: ConversationStore, quiet_seconds: float) -> None:
        self._conversations = conversations
        self.quiet = timedelta(seconds=quiet_seconds)

    async def join(self, session_id: str) -> Conversation:
        """Step in (again): the twin stays silent for the quiet period. Raises: SessionNotFound."""
        now = utc_now()

        def join(conversation: Conversation) -> Conversation:
            owner = conversation.owner
            joined = owner.joined_at if owner is not None and owner.active(now) else now
            presence = OwnerPresence(joined_at=joined, until=now + self.quiet)
            return msgspec.structs.replace(conversation, owner=presence)

        return await self._conversations.change(session_id, join)

    async def say(self, session_id: str, content: str) -> Conversation:
        """Add the owner's message. Raises: OwnerNotPresent (not joined, or the quiet period passed)."""
        now = utc_now()

        def say(conversation: Conversation) -> Conversation:
            if conversation.owner is None or not conversation.owner_present(now):
                raise OwnerNotPresent()
            message = Message(role="owner", content=content, timestamp=now)
            presence = msgspec.structs.replace(conversation.owner, until=now + self.quiet)
            return msgspec.structs.replace(conversation.with_messages((message,), now), owner=presence)

        return await self._conversations.change(session_id, say)

    async def leave(self, session_id: str) -> Conversation:
        """Hand the conversation back to the twin. Raises: SessionNotFound."""
        return await self._conversations.change(
            session_id, lambda conversation: msgspec.structs.replace(conversation, owner=None)
        )
