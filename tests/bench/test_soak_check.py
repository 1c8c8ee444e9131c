"""The soak bench's check: stored conversations against what each visitor saw succeed."""

from __future__ import annotations

from datetime import UTC, datetime

from bench.soak_bench import Attempt, Turn, Visit, check
from memory import Conversation, Message

NOW = datetime.now(UTC)
SESSION = "S" * 32


def answered(n: int) -> Turn:
    return Turn(f"question {n}", f"key-{n:014d}", "/chat", reply=f"answer {n}")


def stored(*turns: tuple[str, str, str | None], session: str = SESSION) -> dict[str, Conversation]:
    """(key, question, reply or None for a user message stored alone)."""
    messages: list[Message] = []
    for key, question, reply in turns:
        messages.append(Message(role="user", content=question, timestamp=NOW, idempotency_key=key))
        if reply is not None:
            messages.append(Message(role="assistant", content=reply, timestamp=NOW))
    conversation = Conversation(session_id=session, started_at=NOW, updated_at=NOW, messages=tuple(messages))
    return {session: conversation}


def as_stored(turn: Turn) -> tuple[str, str, str | None]:
    return (turn.key, turn.message, turn.reply)


def test_a_faithful_history_is_clean() -> None:
    turns = [answered(1), answered(2)]
    result = check([Visit("s", SESSION, turns)], stored(*map(as_stored, turns)))
    assert result.clean and result.turns_seen == result.turns_stored == 2


def test_lost_duplicated_half_stored_and_changed_turns_are_each_counted() -> None:
    one, two, three = answered(1), answered(2), answered(3)
    history = stored(as_stored(one), as_stored(one), (three.key, three.message, "another answer"))
    result = check([Visit("s", SESSION, [one, two, three])], history)
    assert (result.lost, result.duplicated, result.reply_differs) == (1, 1, 1)
    assert not result.clean

    half = check([Visit("s", SESSION, [one])], stored(as_stored(one), (two.key, two.message, None)))
    assert half.half_stored == 1 and not half.clean


def test_a_turn_given_up_on_may_be_stored_once() -> None:
    one = answered(1)
    gave_up = Turn("question 2", "key-given-up-0000", "/chat", attempts=[Attempt("/chat", "timeout", 4.0)])
    result = check(
        [Visit("s", SESSION, [one, gave_up])], stored(as_stored(one), (gave_up.key, "question 2", "a"))
    )
    assert result.clean and result.stored_after_giving_up == 1


def test_a_conversation_no_visitor_knows_is_an_orphan() -> None:
    """A first message's attempt timed out but was stored; its retry stored it again elsewhere."""
    first = answered(1)
    history = stored(as_stored(first)) | stored(as_stored(first), session="R" * 32)
    result = check([Visit("s", "R" * 32, [first])], history)
    assert result.orphans == 1 and not result.clean
    assert check([Visit("s", "R" * 32, [first])], stored(as_stored(first), session="R" * 32)).clean
