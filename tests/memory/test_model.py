"""What the stored documents say about themselves."""

from __future__ import annotations

from memory import Message, replies
from memory.model import utc_now


def test_replies_counts_the_twins_replies_only() -> None:
    asked = Message(role="user", content="Where do you work?", timestamp=utc_now())
    answered = Message(role="assistant", content="At Corvina Pay.", timestamp=utc_now())
    # a message held for the owner, who was there in person: no reply follows it
    held = Message(role="user", content="Are you there in person?", timestamp=utc_now())
    assert replies(()) == 0
    assert replies((asked, answered, held)) == 1
    assert replies((asked, answered, asked, answered, held)) == 2
