"""Which stored messages go with a turn to the model: the history window."""

from __future__ import annotations

from collections.abc import Sequence

from memory import Message
from service.providers import ChatTurn
from service.providers.tokens import estimate_tokens

#: How the model reads a message the owner wrote in person (the engine's prompt says what it means).
OWNER_MARK = "[the owner, in person] "


def history_window(messages: Sequence[Message], budget: int) -> tuple[ChatTurn, ...]:
    """The most recent whole turns whose estimated tokens fit `budget`, oldest first."""
    kept: list[ChatTurn] = []
    used = 0
    for message in reversed(messages):
        cost = estimate_tokens(message.content) + 4
        if used + cost > budget:
            break
        kept.append(_turn(message))
        used += cost
    kept.reverse()
    while kept and kept[0].role != "user":
        kept.pop(0)
    return tuple(kept)


def _turn(message: Message) -> ChatTurn:
    """A stored message as the model reads it: the owner's own words sit on the twin's side (the twin
    speaks as the owner), marked as written in person."""
    if message.role == "owner":
        return ChatTurn("assistant", OWNER_MARK + message.content)
    return ChatTurn(message.role, message.content)
