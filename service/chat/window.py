"""Which stored messages go with a turn to the model: the history window."""

from __future__ import annotations

from collections.abc import Sequence

from memory import Message
from service.providers import ChatTurn
from service.providers.tokens import estimate_tokens


def history_window(messages: Sequence[Message], budget: int) -> tuple[ChatTurn, ...]:
    """The most recent whole turns whose estimated tokens fit `budget`, oldest first."""
    kept: list[ChatTurn] = []
    used = 0
    for message in reversed(messages):
        cost = estimate_tokens(message.content) + 4
        if used + cost > budget:
            break
        kept.append(ChatTurn(message.role, message.content))
        used += cost
    kept.reverse()
    while kept and kept[0].role != "user":
        kept.pop(0)
    return tuple(kept)
