"""A writer for the crash test: appends turns to the file store until it is killed.

Usage: python -m tests.support.append_forever ROOT FIRST_TURN SESSION_ID...
Prints the number of each turn once `append` has returned (so it is durable), one per line.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from memory import Message, file_memory

#: Large enough that a write takes a while, so the kill often lands in the middle of one.
PADDING = "x" * 64_000


def whole_turn(n: int) -> tuple[Message, Message]:
    now = datetime.now(UTC)
    return (
        Message(role="user", content=f"question {n} {PADDING}", timestamp=now),
        Message(role="assistant", content=f"answer {n} {PADDING}", timestamp=now),
    )


async def append_forever(root: Path, first: int, session_ids: list[str]) -> None:
    store = file_memory(root).conversations
    n = first
    while True:
        for session_id in session_ids:
            await store.append(session_id, whole_turn(n), create=True)
            print(n, flush=True)
            n += 1


if __name__ == "__main__":
    asyncio.run(append_forever(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]))
