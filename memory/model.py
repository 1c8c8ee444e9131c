"""What a store keeps: conversations of whole turns, with timestamps and token usage."""

from __future__ import annotations

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


class Message(msgspec.Struct, frozen=True, kw_only=True):
    """One side of a turn. `usage` is set on assistant messages only."""

    role: Literal["user", "assistant"]
    content: str
    timestamp: datetime
    usage: ReplyTokens | None = None
    #: On user messages: the client's idempotency key, so a retried message is answered from memory.
    idempotency_key: str | None = None


class ImportedFrom(msgspec.Struct, frozen=True, kw_only=True):
    """Where an imported conversation came from, and what the importer could not read, verbatim."""

    #: The product it came from (`seed`) and its own id for the conversation there.
    source: str
    original_id: str
    #: Parts of the original that are not messages the twin understands, as they were (JSON).
    unread: tuple[msgspec.Raw, ...] = ()


class Conversation(msgspec.Struct, frozen=True, kw_only=True):
    """The stored document of one session; new fields must get defaults (schema evolution)."""

    session_id: str
    started_at: datetime
    updated_at: datetime
    messages: tuple[Message, ...] = ()
    #: Set on conversations imported from another product (`twin conversations import-seed`).
    imported: ImportedFrom | None = None

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
