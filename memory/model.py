"""What a store keeps: conversations of whole turns, with timestamps and token usage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

import msgspec


def utc_now() -> datetime:
    """The current time, timezone-aware (every stored timestamp is UTC)."""
    return datetime.now(UTC)


class ReplyTokens(msgspec.Struct, frozen=True, kw_only=True):
    """What a stored reply cost in model tokens (the stored shape of a provider's usage report).

    `cached_tokens`: prompt tokens the provider served from its prompt cache; `estimated`: the
    provider reported no usage and these are twin's estimates. Both are written only when set, so
    replies stored before they existed, and replies without them, are stored alike.
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int | msgspec.UnsetType = msgspec.UNSET
    estimated: bool | msgspec.UnsetType = msgspec.UNSET


#: Who wrote a message: the visitor, the twin, or the owner in person (stepping in live).
Role = Literal["user", "assistant", "owner"]

#: Why an assistant message came from the offline provider although a model is configured: the model
#: failed before its first word (`fallback`) or the spend cap was reached (`budget`).
OfflineReason = Literal["fallback", "budget"]


class Message(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One message. `usage`, `tools` and `answered_offline` are set on assistant messages only.

    Fields left at their defaults are not written, so documents stay as small as before they existed.
    """

    role: Role
    content: str
    timestamp: datetime
    usage: ReplyTokens | None = None
    #: On user messages: the client's idempotency key, so a retried message is answered from memory.
    idempotency_key: str | None = None
    #: The tools the model called in this turn (the owner's room shows what each one recorded).
    tools: tuple[str, ...] = ()
    answered_offline: OfflineReason | None = None


def replies(messages: Sequence[Message]) -> int:
    """How many replies of the twin `messages` hold: their numbers, which feedback carries, run from 1."""
    return sum(1 for m in messages if m.role == "assistant")


class ImportedFrom(msgspec.Struct, frozen=True, kw_only=True):
    """Where an imported conversation came from, and what the importer could not read, verbatim."""

    #: The product it came from (`seed`) and its own id for the conversation there.
    source: str
    original_id: str
    #: Parts of the original that are not messages the twin understands, as they were (JSON).
    unread: tuple[msgspec.Raw, ...] = ()


class OwnerPresence(msgspec.Struct, frozen=True, kw_only=True):
    """The owner stepped into the conversation in person: the twin stays silent until `until`, which
    each of the owner's messages moves on by the quiet period."""

    joined_at: datetime
    until: datetime

    def active(self, now: datetime) -> bool:
        return now < self.until


class Conversation(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The stored document of one session; new fields must get defaults (schema evolution)."""

    session_id: str
    started_at: datetime
    updated_at: datetime
    messages: tuple[Message, ...] = ()
    #: Set while the owner is in the conversation in person (kept in the document every turn reads
    #: anyway, so knowing costs no extra read).
    owner: OwnerPresence | None = None
    #: Set on conversations imported from another product (`twin conversations import-seed`).
    imported: ImportedFrom | None = None

    def owner_present(self, now: datetime) -> bool:
        """Whether the owner is in the conversation in person right now (the twin does not answer)."""
        return self.owner is not None and self.owner.active(now)

    @property
    def turns(self) -> int:
        """Whole turns stored (a turn is one user message and its reply)."""
        return sum(1 for m in self.messages if m.role == "user")

    def with_messages(self, messages: tuple[Message, ...], now: datetime) -> Conversation:
        """A copy with `messages` appended and `updated_at` moved to `now`."""
        return msgspec.structs.replace(self, messages=self.messages + messages, updated_at=now)


class ConversationSummary(msgspec.Struct, frozen=True, kw_only=True):
    """One line of an owner's listing."""

    session_id: str
    started_at: datetime
    updated_at: datetime
    turns: int
    first_question: str

    @classmethod
    def of(cls, conversation: Conversation) -> ConversationSummary:
        first = next((m.content for m in conversation.messages if m.role == "user"), "")
        return cls(
            session_id=conversation.session_id,
            started_at=conversation.started_at,
            updated_at=conversation.updated_at,
            turns=conversation.turns,
            first_question=first,
        )
