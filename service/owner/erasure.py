"""Erasing a conversation: the one erasure a visitor's DELETE /conversation/{id} and the owner's room both
run, so what goes with a conversation is decided in one place."""

from __future__ import annotations

from memory import ConversationStore
from service.owner.failures import FailedTurns
from service.owner.inbox import ReadMarks


class Erasure:
    """The conversation, and what the records keep about that session alone."""

    def __init__(self, conversations: ConversationStore, failures: FailedTurns, reads: ReadMarks) -> None:
        self._conversations = conversations
        self._failures = failures
        self._reads = reads

    async def erase(self, session_id: str) -> bool:
        """Returns: whether the conversation existed. Raises: InvalidSessionId, StoreUnavailable."""
        erased = await self._conversations.delete(session_id)
        await self._failures.forget(session_id)
        await self._reads.forget(session_id)
        return erased
