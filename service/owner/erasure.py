"""Erasing one conversation and everything its visitor left: the one erasure a visitor's
`DELETE /conversation/{id}`, `twin conversations delete` and the owner's room all run, so what goes
with a conversation is decided in one place.

What the session left in the records store goes first (its contacts, questions and feedback,
notifications not yet delivered, failed turns and read marks), then the conversation itself, so a
failure half-way leaves the conversation for the retry to find.

What remains afterwards holds nothing of the visitor: the aggregate counters (the spend cap's tokens,
turns and cost per day and month; the hour's notification counts), a contact or question other
conversations also left (without this session), an answered question's answer and topic (the owner's
words; its wording is erased when no other conversation asked it), the owner's audit trail (its
entries for stepping in and out name the conversation by a hash of its id from then on, as the
deletion's entry does), the turn log lines (a hash of the session id, no text),
notifications the owner has already received, and for a conversation imported from the seed a mark
(a hash of its id) that keeps the next import from bringing it back.
"""

from __future__ import annotations

from memory import ConversationStore, Memory, replies
from memory.errors import Undecodable
from memory.seed import remember_erased
from service.owner.audit import AuditTrail
from service.owner.failures import FailedTurns
from service.owner.loop import OwnerLoop
from service.owner.notify import Notifier
from service.owner.read_marks import ReadMarks


class Erasure:
    """Erases a session from the conversations and the records store."""

    def __init__(
        self,
        conversations: ConversationStore,
        owner: OwnerLoop,
        notifier: Notifier,
        failures: FailedTurns,
        reads: ReadMarks,
        audit: AuditTrail,
    ) -> None:
        self._conversations = conversations
        self._owner = owner
        self._notifier = notifier
        self._failures = failures
        self._reads = reads
        self._audit = audit

    @classmethod
    def of(cls, memory: Memory) -> Erasure:
        """The erasure over one memory's conversations and records (the CLI's; the app builds its own
        from the collaborators it already has)."""
        records = memory.records
        return cls(memory.conversations, OwnerLoop(records), Notifier(records, []), FailedTurns(records),
                   ReadMarks(records), AuditTrail(records))  # fmt: skip

    async def erase(self, session_id: str, *, records_of_a_gone_one: bool = False) -> bool:
        """Returns: whether the conversation existed. `records_of_a_gone_one`: also search the records
        for what the session left when the conversation is gone already (expired, or removed by
        hand): the owner's erasure on a visitor's request; a visitor's own call for an id nobody
        holds reads no more than that id. A conversation this code cannot read (written by another
        version, or damaged) is erased too, what it left searched for as for a gone one.
        Raises: InvalidSessionId, StoreError."""
        try:
            found = await self._conversations.load(session_id)
        except Undecodable:
            found, unreadable = None, True
        else:
            unreadable = False
        if found is not None or unreadable or records_of_a_gone_one:
            count = None if found is None else replies(found.conversation.messages)
            await self._owner.forget_session(session_id, count)
            await self._notifier.forget_session(session_id)
            await self._audit.forget_session(session_id)  # reads the whole trail: only for a real one
        await self._failures.forget(session_id)
        await self._reads.forget(session_id)
        if found is not None:
            await remember_erased(self._owner.records, found.conversation)  # no import brings it back
        return (found is not None or unreadable) and await self._conversations.delete(session_id)
