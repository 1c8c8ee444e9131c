"""Erasing one conversation and everything its visitor left, in one call.

`DELETE /conversation/{id}` and `twin conversations delete` both come here. What the session left in
the records store goes first (its contacts, questions and feedback, notifications not yet delivered),
then the conversation itself, so a failure half-way leaves the conversation for the retry to find.

What remains afterwards holds nothing of the visitor: the aggregate counters (the spend cap's tokens,
turns and cost per day and month; the hour's notification counts), a contact or question other
conversations also left (without this session), an answered question's answer and topic (the owner's
words; its wording is erased when no other conversation asked it), the turn log lines (a hash of the
session id, no text) and notifications the owner has already received.
"""

from __future__ import annotations

from memory import ConversationStore
from service.owner.loop import OwnerLoop
from service.owner.notify import Notifier


class Erasure:
    """Erases a session from the conversations and the records store."""

    def __init__(self, conversations: ConversationStore, owner: OwnerLoop, notifier: Notifier) -> None:
        self._conversations = conversations
        self._owner = owner
        self._notifier = notifier

    async def erase(self, session_id: str) -> bool:
        """Returns: False when there is no such conversation. Raises: InvalidSessionId, StoreError."""
        found = await self._conversations.load(session_id)
        if found is None:
            return False
        replies = sum(1 for m in found.conversation.messages if m.role == "assistant")
        await self._owner.forget_session(session_id, replies)
        await self._notifier.forget_session(session_id)
        return await self._conversations.delete(session_id)
