"""The owner's inbox: every conversation with the flags the owner filters on, and one conversation with
the events inside it.

Flags, computed from the stores on each read (there is no index to go stale):

- unread: the visitor or the twin wrote since the owner last opened the conversation (the read
  marks live in one record, `owner/reads`);
- needs attention: a question from it is still open, or since the owner last opened it a contact
  was left, a reply was voted down, or a turn failed;
- live: the visitor wrote in the last `LIVE_SECONDS`;
- owner present: the owner is in it in person right now.

One conversation comes with its events (`conversation_view`); contacts and questions left in it are
listed beside it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Literal

import msgspec

from memory import Conversation, ConversationStore, SessionNotFound
from memory.model import Role, utc_now
from memory.store import read_many
from service.owner.contacts import Contact
from service.owner.conversation_view import Event, ViewMessage, events, view_messages
from service.owner.failures import FailedTurns, Failure
from service.owner.loop import Feedback, OwnerLoop, Question
from service.owner.read_marks import ReadMarks

#: A conversation whose visitor wrote this recently is live (the visitor's page watches for the owner
#: as long: web/src/live.js).
LIVE_SECONDS = 300
#: Characters of a message the inbox sends (the page shows two lines of it, its Markdown rendered).
PREVIEW_CHARS = 400

Show = Literal["all", "unread", "attention", "live"]
AttentionReason = Literal["open_question", "new_contact", "thumbs_down", "failed_turn"]


class Flags(msgspec.Struct, kw_only=True):
    unread: bool
    attention: list[AttentionReason]
    live: bool
    owner_present: bool


class InboxItem(msgspec.Struct, kw_only=True):
    session_id: str
    started_at: datetime
    updated_at: datetime
    turns: int
    first_question: str
    last_message: str
    last_role: Role | None
    #: The email of a contact left in this conversation, if any.
    contact: str
    flags: Flags


class InboxCounts(msgspec.Struct, kw_only=True):
    """How many conversations (matching the search) carry each flag."""

    all: int
    unread: int
    attention: int
    live: int


class InboxPage(msgspec.Struct, kw_only=True):
    """Newest activity first: `items` are `limit` of the `total` that match, from `offset`."""

    items: list[InboxItem]
    total: int
    offset: int
    limit: int
    counts: InboxCounts


class Presence(msgspec.Struct, kw_only=True):
    """The owner is in the conversation in person until `until` (unless they write again)."""

    joined_at: datetime
    until: datetime


class ConversationDetail(msgspec.Struct, kw_only=True):
    session_id: str
    started_at: datetime
    updated_at: datetime
    messages: list[ViewMessage]
    events: list[Event]
    contacts: list[Contact]
    questions: list[Question]
    presence: Presence | None
    flags: Flags


class Vote(msgspec.Struct, kw_only=True):
    """A visitor's vote with the reply it rates and the message that reply answered."""

    session_id: str
    reply: int
    rating: Literal["up", "down"]
    comment: str
    at: datetime
    #: The rated reply and the visitor's message before it ("" once the conversation is gone).
    reply_text: str
    question: str


class _Context:
    """What the records say about conversations, read once per request and filed by session."""

    def __init__(
        self,
        contacts: list[Contact],
        contact_visits: dict[str, dict[str, datetime]],
        questions: list[Question],
        feedback: list[Feedback],
        failures: dict[str, list[Failure]],
        reads: dict[str, datetime],
    ) -> None:
        self.failures = failures
        self.reads = reads
        #: When each conversation last left each of its contacts (session id -> contact id -> time).
        self.contact_visits = contact_visits
        self.contacts: dict[str, list[Contact]] = defaultdict(list)
        self.questions: dict[str, list[Question]] = defaultdict(list)
        self.feedback: dict[str, list[Feedback]] = defaultdict(list)
        for contact in contacts:
            for session_id in contact.sessions:
                self.contacts[session_id].append(contact)
        for question in questions:
            for session_id in question.sessions:
                self.questions[session_id].append(question)
        for vote in feedback:
            self.feedback[vote.session_id].append(vote)


class Inbox:
    """Lists conversations with their flags and shows one with its events."""

    def __init__(
        self, conversations: ConversationStore, owner: OwnerLoop, failures: FailedTurns, reads: ReadMarks
    ) -> None:
        self._conversations = conversations
        self._owner = owner
        self._failures = failures
        self.reads = reads

    async def page(
        self, *, query: str = "", show: Show = "all", offset: int = 0, limit: int = 50
    ) -> InboxPage:
        """Conversations matching `query` (words in any message, or a contact's email) and `show`."""
        now = utc_now()
        context = await self._context()
        needle = query.casefold().strip()
        items = [
            _item(conversation, context, now)
            for conversation in await self._conversations.conversations()
            if not needle or _matches(conversation, context, needle)
        ]
        counts = InboxCounts(
            all=len(items),
            unread=sum(1 for i in items if i.flags.unread),
            attention=sum(1 for i in items if i.flags.attention),
            live=sum(1 for i in items if i.flags.live),
        )
        shown = [i for i in items if _shown(i.flags, show)]
        return InboxPage(
            items=shown[offset : offset + limit], total=len(shown), offset=offset, limit=limit, counts=counts
        )

    async def detail(self, conversation: Conversation) -> ConversationDetail:
        """One conversation as the owner sees it."""
        now = utc_now()
        context = await self._context(conversation.session_id)
        session_id = conversation.session_id
        messages = view_messages(conversation.messages)
        timeline = events(
            conversation, messages, context.feedback[session_id], context.failures.get(session_id, ())
        )
        owner = conversation.owner
        return ConversationDetail(
            session_id=session_id,
            started_at=conversation.started_at,
            updated_at=conversation.updated_at,
            messages=messages,
            events=timeline,
            contacts=context.contacts[session_id],
            questions=context.questions[session_id],
            presence=Presence(joined_at=owner.joined_at, until=owner.until)
            if owner is not None and owner.active(now)
            else None,
            flags=_flags(conversation, context, now),
        )

    async def votes(self) -> list[Vote]:
        """Every vote, newest first, with the reply it rates (each conversation read once)."""
        feedback = sorted(await self._owner.feedback(), key=lambda v: v.at, reverse=True)
        sessions = sorted({v.session_id for v in feedback})
        loaded = await read_many(sessions, self._conversations.load)
        found = {
            sid: view_messages(v.conversation.messages) for sid, v in zip(sessions, loaded, strict=True) if v
        }
        votes = []
        for vote in feedback:
            messages = found.get(vote.session_id, [])
            reply = next((m for m in messages if m.reply == vote.reply), None)
            question = (
                next((m.content for m in reversed(messages[: reply.index]) if m.role == "user"), "")
                if reply
                else ""
            )
            votes.append(
                Vote(
                    session_id=vote.session_id,
                    reply=vote.reply,
                    rating=vote.rating,
                    comment=vote.comment,
                    at=vote.at,
                    reply_text=reply.content if reply else "",
                    question=question,
                )
            )
        return votes

    async def load(self, session_id: str) -> tuple[Conversation, str]:
        """The conversation and its version. Raises: SessionNotFound, InvalidSessionId."""
        found = await self._conversations.load(session_id)
        if found is None:
            raise SessionNotFound("session not found")
        return found.conversation, found.version

    async def mark_read(self, detail: ConversationDetail) -> None:
        """The owner has now seen the conversation and what happened in it, up to the newest thing
        `detail` shows: a message that arrives while the page is built stays unread (written only
        when something was new since the last time)."""
        newest = max(
            [m.timestamp for m in detail.messages if m.role != "owner"]
            + [e.at for e in detail.events]
            + [c.last_seen for c in detail.contacts],
            default=None,
        )
        seen = (await self.reads.all()).get(detail.session_id)
        if newest is not None and (seen is None or seen < newest):
            await self.reads.mark(detail.session_id, newest)

    async def _context(self, session_id: str | None = None) -> _Context:
        failures = (
            await self._failures.all()
            if session_id is None
            else {session_id: await self._failures.of(session_id)}
        )
        contacts, visits = await self._owner.contacts_and_visits()
        return _Context(
            contacts=contacts,
            contact_visits=visits,
            questions=await self._owner.questions(),
            feedback=await self._owner.feedback(),
            failures=failures,
            reads=await self.reads.all(),
        )


def _activity(conversation: Conversation) -> datetime | None:
    """When the visitor or the twin last wrote (the owner's own messages make nothing unread)."""
    times = [m.timestamp for m in conversation.messages if m.role != "owner"]
    return max(times) if times else None


def _flags(conversation: Conversation, context: _Context, now: datetime) -> Flags:
    session_id = conversation.session_id
    seen = context.reads.get(session_id)
    activity = _activity(conversation)

    def since_read(moment: datetime) -> bool:
        return seen is None or moment > seen

    attention: list[AttentionReason] = []
    if any(q.status == "open" for q in context.questions[session_id]):
        attention.append("open_question")
    # this conversation's own visits: another one leaving the same address is news there, not here
    if any(since_read(at) for at in context.contact_visits.get(session_id, {}).values()):
        attention.append("new_contact")
    if any(v.rating == "down" and since_read(v.at) for v in context.feedback[session_id]):
        attention.append("thumbs_down")
    if any(since_read(f.at) for f in context.failures.get(session_id, ())):
        attention.append("failed_turn")
    last_visitor = max((m.timestamp for m in conversation.messages if m.role == "user"), default=None)
    return Flags(
        unread=activity is not None and since_read(activity),
        attention=attention,
        live=last_visitor is not None and now - last_visitor < timedelta(seconds=LIVE_SECONDS),
        owner_present=conversation.owner_present(now),
    )


def _item(conversation: Conversation, context: _Context, now: datetime) -> InboxItem:
    messages = conversation.messages
    first = next((m.content for m in messages if m.role == "user"), "")
    last = messages[-1] if messages else None
    contact = next((c.email for c in context.contacts[conversation.session_id]), "")
    return InboxItem(
        session_id=conversation.session_id,
        started_at=conversation.started_at,
        updated_at=conversation.updated_at,
        turns=conversation.turns,
        first_question=_preview(first),
        last_message=_preview(last.content) if last else "",
        last_role=last.role if last else None,
        contact=contact,
        flags=_flags(conversation, context, now),
    )


def _matches(conversation: Conversation, context: _Context, needle: str) -> bool:
    if any(needle in m.content.casefold() for m in conversation.messages):
        return True
    return any(needle in c.email.casefold() for c in context.contacts[conversation.session_id])


def _shown(flags: Flags, show: Show) -> bool:
    if show == "unread":
        return flags.unread
    if show == "attention":
        return bool(flags.attention)
    if show == "live":
        return flags.live
    return True


def _preview(text: str) -> str:
    text = text.strip()
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"
