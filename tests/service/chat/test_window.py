"""The chat engine's history window: the newest whole turns that fit the token budget."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from memory import Message
from service.chat.window import KEEP_AFTER_DROP, history_window, window_start
from service.providers.tokens import estimate_tokens


def messages(*texts: str) -> list[Message]:
    now = datetime.now(UTC)
    return [
        Message(role="user" if i % 2 == 0 else "assistant", content=t, timestamp=now)
        for i, t in enumerate(texts)
    ]


def test_everything_fits_in_a_large_budget() -> None:
    window = history_window(messages("q1", "a1", "q2", "a2"), budget=1000)
    assert [t.content for t in window] == ["q1", "a1", "q2", "a2"]


def test_a_small_budget_keeps_the_newest_turns_only() -> None:
    long = "word " * 100
    window = history_window(messages(long, long, "q2", "a2"), budget=50)
    assert [t.content for t in window] == ["q2", "a2"]


def test_the_window_never_starts_with_an_orphaned_reply() -> None:
    window = history_window(messages("word " * 40, "a1", "q2", "a2"), budget=20)
    assert window[0].role == "user"
    assert [t.content for t in window] == ["q2", "a2"]


def test_zero_history_is_an_empty_window() -> None:
    assert history_window([], budget=100) == ()


def conversation(turns: int) -> list[Message]:
    """`turns` turns of ~100-token questions and replies."""
    return messages(
        *(f"{'question' if i % 2 == 0 else 'reply'} {i} " + "word " * 100 for i in range(2 * turns))
    )


def test_each_prompt_starts_with_the_previous_one_until_the_budget_forces_a_drop() -> None:
    history = conversation(40)
    starts = [window_start(history[: 2 * n], budget=1000) for n in range(41)]
    moves = [n for n in range(1, 41) if starts[n] != starts[n - 1]]
    assert starts == sorted(starts)  # the window only moves forward ...
    assert moves and all(b - a >= 2 for a, b in itertools.pairwise(moves))  # ... in blocks
    for n in range(1, 41):
        window = history_window(history[: 2 * n], budget=1000)
        assert sum(estimate_tokens(t.content) + 4 for t in window) <= 1000
        if n in moves:  # a drop leaves at most the kept share of the budget
            assert sum(estimate_tokens(t.content) + 4 for t in window) <= 1000 * KEEP_AFTER_DROP
        elif n > 1:  # otherwise the previous window, then the turn added since
            previous = history_window(history[: 2 * (n - 1)], budget=1000)
            assert window[: len(previous)] == previous


def test_the_same_stored_history_always_gives_the_same_window() -> None:
    history = conversation(25)
    assert history_window(history, budget=1200) == history_window(list(history), budget=1200)
