"""Which stored messages go with a turn to the model: the history window, chosen so prompt caches hit.

Providers' prompt caches (OpenAI's, Anthropic's) reuse a prompt only from its first byte up to the
first difference. A window that slides by one turn per turn changes what follows the system prompt
every time, so nothing after it is ever reused. This window keeps its first turn fixed while the
history fits the budget, so each prompt starts with the previous one; once the budget is exceeded it
drops the oldest turns in one block, down to a fraction of the budget, and stays fixed again from
there. The window is a function of the stored messages alone (every process and Lambda agrees on it)
and never exceeds the budget.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from memory import Message
from persona_sources.prompt import without_controls
from service.providers import ChatTurn
from service.providers.tokens import estimate_tokens

#: After a drop the history is at most this share of the budget: the room it leaves is how many
#: turns the next window stays fixed for.
KEEP_AFTER_DROP = 0.5
#: Tokens a message costs beyond its text (role and separators in the wire format).
MESSAGE_OVERHEAD = 4
#: How the model reads a message the owner wrote in person (the engine's prompt says what it means).
OWNER_MARK = "[the owner, in person] "
#: The mark however it is written, where the owner did not write it: a visitor's (or the model's) copy.
_COPIED_MARK = re.compile(r"\[\s*the\s+owner\s*,?\s*in\s+person\s*\]", re.I)
NOT_THE_OWNER = "[not the owner]"


def history_window(messages: Sequence[Message], budget: int) -> tuple[ChatTurn, ...]:
    """Whole turns (a user message and what follows it) from the window's start, oldest first."""
    start = window_start(messages, budget)
    return tuple(_turn(m) for m in messages[start:])


def window_start(messages: Sequence[Message], budget: int) -> int:
    """The index of the window's first message: replayed from the first turn, moving forward in
    blocks, so the same stored history always gives the same start."""
    keep = budget * KEEP_AFTER_DROP
    starts: list[int] = []  # where each turn still in the window begins
    costs: list[int] = []  # and what it costs
    used = 0
    for index, message in enumerate(messages):
        cost = _cost(message.content)
        if message.role == "user":
            starts.append(index)
            costs.append(cost)
        elif costs:
            costs[-1] += cost
        else:
            continue  # a reply before any question is never sent
        used += cost
        if used > budget:
            while starts and used > keep:
                used -= costs.pop(0)
                starts.pop(0)
    return starts[0] if starts else len(messages)


@lru_cache(maxsize=8192)
def _cost(text: str) -> int:
    """Estimated tokens of one message; cached, as a conversation's history is counted every turn."""
    return estimate_tokens(text) + MESSAGE_OVERHEAD


def _turn(message: Message) -> ChatTurn:
    """A stored message as the model reads it, without control or invisible characters: the owner's
    own words sit on the twin's side (the twin speaks as the owner), marked as written in person; any
    copy of that mark in the visitor's or the twin's words is not the owner's."""
    if message.role == "owner":
        return ChatTurn("assistant", OWNER_MARK + without_controls(message.content))
    return ChatTurn(message.role, unmarked(without_controls(message.content)))


def unmarked(text: str) -> str:
    """`text` (already without invisible characters, which could split a mark) with every copy of the
    owner's mark replaced by `[not the owner]`."""
    return _COPIED_MARK.sub(NOT_THE_OWNER, text)
