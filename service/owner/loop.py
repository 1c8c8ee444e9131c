"""The owner's loop: contacts and unanswered questions captured in chat, the owner's answers, feedback.

The model (or the offline provider) records through the tools in `service.owner.tools`; the owner
reads and answers through the CLI (and the same methods here).

Everything lives in the records store (files locally, S3 on AWS), deduplicated:

- `contacts/<id>`: one per normalised email, with the sessions it came from and what each left there
  (`service.owner.contacts`).
- `questions/<id>`: one per normalised question text, with a count; `open`, `answered` or `dismissed`.
- `feedback/<id>`: one per (session, reply) pair; a second vote on the same reply replaces the first.
- `notifications/<id>`: the outbox of owner notifications not yet delivered (see `service.owner.notify`).

Visitors' emails are personal data: they are stored, shown to the owner and sent in the owner's
notification, but never logged; retention (`prune`) erases them with the conversations.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any, Literal

import msgspec

from memory import RecordStore
from memory.keys import session_hash
from memory.model import utc_now
from memory.records import InvalidRecordKey, digest_key, validate_key
from service.owner.contacts import (
    Contact,
    Left,
    StoredContact,
    contact_doc,
    contact_of,
    is_email,
    normalise_email,
    without_old_visits,
)

log = logging.getLogger("twin.owner")

CONTACTS = "contacts"
QUESTIONS = "questions"
FEEDBACK = "feedback"
#: Sessions remembered per contact or question (the newest), so a popular question stays small.
MAX_SESSIONS = 20


class Question(msgspec.Struct, kw_only=True):
    """A question the twin could not answer, and what the owner made of it."""

    id: str
    question: str
    count: int = 1
    sessions: list[str] = msgspec.field(default_factory=list)
    first_seen: datetime
    last_seen: datetime
    status: Literal["open", "answered", "dismissed"] = "open"
    answer: str = ""
    #: What the answer is about, in the owner's words: with the answer, all of it the twin sees.
    topic: str = ""
    answered_at: datetime | None = None


class Feedback(msgspec.Struct, kw_only=True):
    """A visitor's thumbs up or down on one reply."""

    id: str
    session_id: str
    reply: int
    rating: Literal["up", "down"]
    comment: str = ""
    at: datetime


def normalise_question(question: str) -> str:
    """Lower case, punctuation dropped, whitespace collapsed: "What's X?" and "what's x" are one."""
    return " ".join(re.sub(r"[^\w\s]", " ", question.lower()).split())


def record_id(text: str) -> str:
    """A short stable id (12 hex characters) for a normalised email or question."""
    return digest_key(text)[:12]


def _to_doc(value: msgspec.Struct) -> Any:
    return msgspec.to_builtins(value)


def _remember(sessions: list[str], session_id: str) -> list[str]:
    kept = [s for s in sessions if s != session_id] + [session_id]
    return kept[-MAX_SESSIONS:]


class OwnerLoop:
    """Records contacts, questions and feedback; answers tool calls; lists and updates for the owner."""

    def __init__(self, records: RecordStore) -> None:
        self.records = records

    # --- capturing -----------------------------------------------------------------------------

    async def record_contact(
        self, session_id: str, email: str, name: str = "", note: str = ""
    ) -> tuple[Contact, bool]:
        """Store or refresh a contact. Returns: the contact and whether it is new."""
        email = normalise_email(email)
        if not is_email(email):
            raise ValueError("that does not look like an email address")
        key = record_id(email)
        now = utc_now()

        def apply(current: Any) -> Any:
            if current is None:
                contact = Contact(id=key, email=email, sessions=[], first_seen=now, last_seen=now)
                left: dict[str, Left] = {}
            else:
                contact, left = contact_of(current)
            mine = left.pop(session_id, Left())
            left[session_id] = Left(
                name=name or mine.name, note=note or mine.note, count=mine.count + 1, at=now
            )
            contact.sessions = _remember(contact.sessions, session_id)
            contact.last_seen = now
            return contact_doc(contact, left)

        stored = msgspec.convert(await self.records.update(CONTACTS, key, apply), Contact)
        log.info("contact recorded id=%s session=%s count=%d", key, session_hash(session_id), stored.count)
        return stored, stored.count == 1

    async def record_question(self, session_id: str, question: str) -> tuple[Question, bool]:
        """Store a question or count it again. Returns: the question and whether it is new."""
        question = " ".join(question.split())
        normalised = normalise_question(question)
        if not normalised:
            raise ValueError("the question is empty")
        key = record_id(normalised)
        now = utc_now()

        def apply(current: Any) -> Any:
            if current is None:
                found = Question(
                    id=key, question=question, sessions=[session_id], first_seen=now, last_seen=now
                )
            else:
                found = msgspec.convert(current, Question)
                found.count += 1
                found.question = found.question or question  # its wording was erased before
                found.sessions = _remember(found.sessions, session_id)
                found.last_seen = now
            return _to_doc(found)

        stored = msgspec.convert(await self.records.update(QUESTIONS, key, apply), Question)
        log.info("question recorded id=%s session=%s count=%d", key, session_hash(session_id), stored.count)
        return stored, stored.count == 1

    # --- the owner's side ----------------------------------------------------------------------

    async def contacts(self) -> list[Contact]:
        """Every contact, most recent first."""
        return (await self.contacts_and_visits())[0]

    async def contacts_and_visits(self) -> tuple[list[Contact], dict[str, dict[str, datetime]]]:
        """Every contact, most recent first, and when each conversation last left each one: session
        id -> contact id -> time (the contact's last time, for what was stored before that was kept)."""
        stored = await self.records.values(CONTACTS, StoredContact)
        visits: dict[str, dict[str, datetime]] = {}
        for contact in stored:
            for session_id in contact.sessions:
                entry = contact.left.get(session_id)
                visits.setdefault(session_id, {})[contact.id] = (entry and entry.at) or contact.last_seen
        found = [Contact(**{name: getattr(c, name) for name in Contact.__struct_fields__}) for c in stored]
        return sorted(found, key=lambda c: c.last_seen, reverse=True), visits

    async def questions(self, status: str | None = None) -> list[Question]:
        """Questions (of one status, when given), most asked first."""
        found = await self.records.values(QUESTIONS, Question)
        found = [q for q in found if status is None or q.status == status]
        return sorted(found, key=lambda q: (-q.count, q.first_seen))

    async def answered(self) -> list[Question]:
        """Answered questions, oldest answer first (a stable order keeps the prompt stable)."""
        return sorted(await self.questions("answered"), key=lambda q: (q.answered_at or q.first_seen, q.id))

    async def _set_status(
        self,
        question_id: str,
        status: Literal["answered", "dismissed"],
        answer: str,
        topic: str | None = None,
    ) -> Question:
        try:
            key = validate_key(question_id.strip().lower())
        except InvalidRecordKey:
            raise KeyError(question_id) from None
        now = utc_now()

        def apply(current: Any) -> Any:
            if current is None:
                return None
            found = msgspec.convert(current, Question)
            found.status = status
            found.answer = answer
            if topic is not None:
                found.topic = topic
            found.answered_at = now if status == "answered" else None
            return _to_doc(found)

        if await self.records.get(QUESTIONS, key) is None:
            raise KeyError(question_id)
        stored = await self.records.update(QUESTIONS, key, apply)
        if stored is None:
            raise KeyError(question_id)
        return msgspec.convert(stored, Question)

    async def answer(self, question_id: str, answer: str, topic: str | None = None) -> Question:
        """The owner's answer and, optionally, what it is about in the owner's words (None keeps the
        topic it has, "" clears it); the twin answers from them from now on (never from the visitor's
        wording). Raises: KeyError if unknown."""
        answer = answer.strip()
        if not answer:
            raise ValueError("the answer is empty")
        topic = None if topic is None else " ".join(topic.split())
        return await self._set_status(question_id, "answered", answer, topic)

    async def dismiss(self, question_id: str) -> Question:
        """Not worth an answer (spam, off-topic). Raises: KeyError if unknown."""
        return await self._set_status(question_id, "dismissed", "")

    async def record_feedback(
        self, session_id: str, reply: int, rating: Literal["up", "down"], comment: str = ""
    ) -> Feedback:
        """Store a vote on one reply; voting again on the same reply replaces the earlier vote."""
        key = digest_key(f"{session_id}:{reply}")
        feedback = Feedback(
            id=key, session_id=session_id, reply=reply, rating=rating, comment=comment, at=utc_now()
        )
        await self.records.update(FEEDBACK, key, lambda _: _to_doc(feedback))
        log.info("feedback recorded session=%s reply=%d rating=%s", session_hash(session_id), reply, rating)
        return feedback

    async def feedback(self) -> list[Feedback]:
        return await self.records.values(FEEDBACK, Feedback)

    async def forget_session(self, session_id: str, replies: int | None) -> int:
        """Erase what one conversation left: its contacts and questions (or the session in them, when
        other conversations left them too; an answered question keeps the owner's answer and loses
        the visitor's wording) and its feedback on each of its `replies` (None: unknown, every vote
        is read). Returns: records erased."""
        erased = 0
        for contact in await self.contacts():
            if session_id in contact.sessions:
                erased += await self._forget_contact(contact.id, session_id)
        for question in await self.questions():
            if session_id in question.sessions:
                keep = question.status == "answered"
                erased += await self._forget(QUESTIONS, question.id, session_id, keep=keep)
        if replies is None:
            votes = {
                digest_key(f"{session_id}:{f.reply}")
                for f in await self.feedback()
                if f.session_id == session_id
            }
        else:
            votes = {digest_key(f"{session_id}:{n}") for n in range(1, replies + 1)}
        for key in votes.intersection(await self.records.keys(FEEDBACK)):
            erased += await self.records.delete(FEEDBACK, key)
        log.info("session erased from the records session=%s records=%d", session_hash(session_id), erased)
        return erased

    async def _forget_contact(self, key: str, session_id: str) -> int:
        """Take `session_id` and what it left out of a contact; erase the contact once no other
        session left it. Returns: 1 if the contact was erased."""

        def apply(current: Any) -> Any:
            if current is None:
                return None
            contact, left = contact_of(current)
            contact.sessions = [s for s in contact.sessions if s != session_id]
            left.pop(session_id, None)
            return contact_doc(contact, left) if contact.sessions else None

        return int(await self.records.update(CONTACTS, key, apply) is None)

    async def _forget(self, collection: str, key: str, session_id: str, *, keep: bool) -> int:
        """Take `session_id` out of a contact or question; erase it (or, when `keep`, the visitor's
        wording) once no other session left it. Returns: 1 if the record was erased."""

        def apply(current: Any) -> Any:
            if current is None:
                return None
            sessions = [s for s in current.get("sessions", []) if s != session_id]
            if sessions:
                return {**current, "sessions": sessions}
            return {**current, "sessions": [], "question": ""} if keep else None

        return int(await self.records.update(collection, key, apply) is None)

    async def prune(self, older_than: datetime) -> int:
        """Apply conversation retention to what visitors left: contacts, questions, feedback.

        Answered questions are the owner's words and stay, without the sessions they came from.
        Returns: how many records were erased.
        """
        erased = 0

        def stale_contact(value: Any) -> bool:
            return msgspec.convert(value, Contact).last_seen < older_than

        def stale_question(value: Any) -> bool:
            question = msgspec.convert(value, Question)
            return question.last_seen < older_than and question.status != "answered"

        def stale_vote(value: Any) -> bool:
            return msgspec.convert(value, Feedback).at < older_than

        # Each record is judged again as it is deleted: a visitor may have come back since the listing.
        contacts, visits = await self.contacts_and_visits()
        for contact in contacts:
            if contact.last_seen < older_than:
                if await self.records.delete_if(CONTACTS, contact.id, stale_contact):
                    erased += 1
            elif any(
                visits.get(s, {}).get(contact.id, contact.last_seen) < older_than for s in contact.sessions
            ):
                # kept for a recent conversation: what older ones left with it (names, notes) goes
                await self.records.update(
                    CONTACTS, contact.id, lambda current: without_old_visits(current, older_than)
                )
        for question in await self.questions():
            if question.last_seen >= older_than:
                continue
            if question.status == "answered":
                if question.sessions:
                    await self.records.update(QUESTIONS, question.id, _forget_sessions)
            elif await self.records.delete_if(QUESTIONS, question.id, stale_question):
                erased += 1
        for vote in await self.feedback():
            if vote.at < older_than and await self.records.delete_if(FEEDBACK, vote.id, stale_vote):
                erased += 1
        return erased


def _forget_sessions(current: Any) -> Any:
    if current is None:
        return None
    return {**current, "sessions": []}
