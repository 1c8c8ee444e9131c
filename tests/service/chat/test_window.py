"""The chat engine's history window: the newest whole turns that fit the token budget."""

from __future__ import annotations

from datetime import UTC, datetime

from memory import Message
from service.chat.window import history_window


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
