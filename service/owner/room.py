"""What the owner does in the owner's room, each action written to the audit trail.

The actions are the same ones the CLI runs (`OwnerLoop.answer`, the one erasure, ...); the room adds
the audit entry and, for what the twin reads per process (answers, instructions), tells this
process's cache at once, so the twin serving the next visitor here uses the change immediately.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from memory import Conversation, SessionNotFound
from service.errors import QuestionNotFound
from service.owner.audit import AuditTrail, conversation_target
from service.owner.erasure import Erasure
from service.owner.instructions import Instructions, OwnerInstructions
from service.owner.live import LiveOwner
from service.owner.loop import OwnerLoop, Question

QuestionStatus = Literal["open", "answered", "dismissed", "all"]


class RoomQuestions:
    """The questions the twin could not answer: listed, answered (teaching the twin), dismissed."""

    def __init__(self, owner: OwnerLoop, audit: AuditTrail, answers_changed: Callable[[], None]) -> None:
        self._owner = owner
        self._audit = audit
        self._answers_changed = answers_changed

    async def of_status(self, status: QuestionStatus) -> list[Question]:
        return await self._owner.questions(None if status == "all" else status)

    async def answer(self, question_id: str, answer: str, ip: str) -> Question:
        """Answer, or change an earlier answer. Raises: QuestionNotFound."""
        try:
            question = await self._owner.answer(question_id, answer)
        except KeyError:
            raise QuestionNotFound() from None
        self._answers_changed()
        # The question by its id only: its wording is the visitor's, which their erasure takes away.
        await self._audit.record("answer", target=question.id, ip=ip)
        return question

    async def dismiss(self, question_id: str, ip: str) -> Question:
        """Raises: QuestionNotFound."""
        try:
            question = await self._owner.dismiss(question_id)
        except KeyError:
            raise QuestionNotFound() from None
        self._answers_changed()  # a dismissed answer leaves the prompt too
        await self._audit.record("dismiss", target=question.id, ip=ip)
        return question


class RoomInstructions:
    """The owner's instructions to the twin."""

    def __init__(
        self, instructions: OwnerInstructions, audit: AuditTrail, instructions_changed: Callable[[], None]
    ) -> None:
        self._instructions = instructions
        self._audit = audit
        self._changed = instructions_changed

    async def get(self) -> Instructions:
        return await self._instructions.get()

    async def set(self, text: str, ip: str) -> Instructions:
        saved = await self._instructions.set(text)
        self._changed()
        await self._audit.record("instructions", detail=f"{len(saved.text)} characters", ip=ip)
        return saved


class RoomConversations:
    """Stepping into conversations and erasing them."""

    def __init__(self, live: LiveOwner, erasure: Erasure, audit: AuditTrail) -> None:
        self._live = live
        self._erasure = erasure
        self._audit = audit

    async def join(self, session_id: str, ip: str) -> Conversation:
        conversation = await self._live.join(session_id)
        await self._audit.record("join", target=session_id, ip=ip)
        return conversation

    async def say(self, session_id: str, content: str) -> Conversation:
        return await self._live.say(session_id, content)

    async def leave(self, session_id: str, ip: str) -> Conversation:
        conversation = await self._live.leave(session_id)
        await self._audit.record("leave", target=session_id, ip=ip)
        return conversation

    async def erase(self, session_id: str, ip: str) -> None:
        """The visitor's erasure, on the owner's behalf. Raises: SessionNotFound."""
        if not await self._erasure.erase(session_id):
            raise SessionNotFound("session not found")
        await self._audit.record("delete", target=conversation_target(session_id), ip=ip)
