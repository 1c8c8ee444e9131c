"""One conversation as the owner reads it: its messages, the twin's replies numbered as their feedback
counts them, and the events between them (from the turns themselves and from the records)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Literal

import msgspec

from memory import Conversation
from memory.model import Role
from service.owner.failures import Failure
from service.owner.loop import Feedback
from service.owner.tools import RECORD_CONTACT, RECORD_QUESTION

EventKind = Literal[
    "contact_recorded",
    "question_recorded",
    "answered_offline",
    "spend_cap_reached",
    "feedback",
    "turn_failed",
]


class ViewMessage(msgspec.Struct, kw_only=True):
    index: int
    role: Role
    content: str
    timestamp: datetime
    #: The twin's replies are numbered from 1 (the number their feedback carries).
    reply: int | None = None


class Event(msgspec.Struct, kw_only=True):
    """Something that happened in the conversation; `after` is the index of the message it follows
    (-1: before the first)."""

    kind: EventKind
    at: datetime
    after: int
    detail: str = ""
    rating: Literal["up", "down"] | None = None
    reply: int | None = None


def events(
    conversation: Conversation,
    messages: list[ViewMessage],
    feedback: Iterable[Feedback],
    failures: Iterable[Failure],
) -> list[Event]:
    """Everything that happened in `conversation` (shown as `messages`), in the order the owner reads
    it: each event after the message it follows, then in time."""
    found = [*_message_events(messages, conversation), *_record_events(messages, feedback, failures)]
    return sorted(found, key=lambda e: (e.after, e.at))


def view_messages(messages: Sequence[Any]) -> list[ViewMessage]:
    shown = []
    replies = 0
    for index, message in enumerate(messages):
        reply = None
        if message.role == "assistant":
            replies += 1
            reply = replies
        shown.append(
            ViewMessage(
                index=index,
                role=message.role,
                content=message.content,
                timestamp=message.timestamp,
                reply=reply,
            )
        )
    return shown


def _message_events(messages: list[ViewMessage], conversation: Conversation) -> Iterable[Event]:
    """What the turns themselves recorded: the tools the model called, an offline answer."""
    for view, message in zip(messages, conversation.messages, strict=True):
        for tool in message.tools:
            if tool == RECORD_CONTACT:
                yield Event(kind="contact_recorded", at=message.timestamp, after=view.index)
            elif tool == RECORD_QUESTION:
                yield Event(kind="question_recorded", at=message.timestamp, after=view.index)
        if message.answered_offline == "fallback":
            yield Event(kind="answered_offline", at=message.timestamp, after=view.index)
        elif message.answered_offline == "budget":
            yield Event(kind="spend_cap_reached", at=message.timestamp, after=view.index)


def _record_events(
    messages: list[ViewMessage], feedback: Iterable[Feedback], failures: Iterable[Failure]
) -> Iterable[Event]:
    """What records say happened in it: votes (after the reply they rate), failed turns (in time)."""
    by_reply = {m.reply: m.index for m in messages if m.reply is not None}
    for vote in feedback:
        yield Event(
            kind="feedback",
            at=vote.at,
            after=by_reply.get(vote.reply, len(messages) - 1),
            detail=vote.comment,
            rating=vote.rating,
            reply=vote.reply,
        )
    for failure in failures:
        after = max((m.index for m in messages if m.timestamp <= failure.at), default=-1)
        yield Event(kind="turn_failed", at=failure.at, after=after, detail=failure.error)
