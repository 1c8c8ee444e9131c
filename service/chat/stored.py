"""What a conversation's stored messages say about its replies: which one a retried message already
got, and a reply's usage as it is stored (memory.replies counts them)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from memory import Message, ReplyTokens, replies
from service.errors import IdempotencyKeyReused
from service.providers import Usage


def stored_usage(usage: Usage) -> ReplyTokens:
    """A reply's usage as stored: cached and estimated only when they say something."""
    return ReplyTokens(
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        cached_tokens=usage.cached_tokens or msgspec.UNSET,
        estimated=usage.estimated or msgspec.UNSET,
    )


def check_key(messages: Sequence[Message], key: str | None, text: str) -> None:
    """Raises IdempotencyKeyReused if a stored message carries `key` with other text than `text`: a
    retry repeats its message, and a new message under an old key would otherwise be dropped."""
    if key is not None and any(
        m.role == "user" and m.idempotency_key == key and m.content != text for m in messages
    ):
        raise IdempotencyKeyReused


def stored_reply(messages: Sequence[Message], key: str | None) -> tuple[int, str] | None:
    """The number and text of the reply stored after the user message carrying `key`, if that message
    was already answered."""
    index = _keyed(messages, key)
    if index is None or not _answered(messages, index):
        return None
    return replies(messages[: index + 2]), messages[index + 1].content


def held_before(messages: Sequence[Message], key: str | None) -> bool:
    """Whether the user message carrying `key` is stored with no reply of the twin after it: it was
    held for the owner, who was in the conversation in person (a failed turn stores nothing)."""
    index = _keyed(messages, key)
    return index is not None and not _answered(messages, index)


def _keyed(messages: Sequence[Message], key: str | None) -> int | None:
    """Where the user message carrying `key` is (a conversation stores a key's turn once)."""
    if key is None:
        return None
    return next((i for i, m in enumerate(messages) if m.role == "user" and m.idempotency_key == key), None)


def _answered(messages: Sequence[Message], index: int) -> bool:
    """Whether the twin's reply follows the message at `index` (one held for the owner has none)."""
    return index + 1 < len(messages) and messages[index + 1].role == "assistant"
