"""The owner's instructions in the prompt: read from the records store per process (refreshed like the
answers) and appended after the stable prompt, so the persona's prompt cache still hits.

They are the owner's own words, so they are not quoted as data; the rules before them still hold.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from service.chat.refreshed import Refreshed
from service.owner.instructions import OwnerInstructions


class InstructionsCache:
    """The owner's instructions, read again when older than `refresh_seconds`."""

    def __init__(
        self,
        instructions: OwnerInstructions,
        refresh_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._instructions = instructions
        self._cached = Refreshed("owner instructions", self._load, "", refresh_seconds, clock)

    async def text(self) -> str:
        return await self._cached.get()

    def invalidate(self) -> None:
        """Read them again on the next turn (the owner just edited them)."""
        self._cached.invalidate()

    async def _load(self) -> str:
        return (await self._instructions.get()).text


def instructions_prompt(name: str, text: str) -> str:
    """The block appended to the system prompt ("" without instructions)."""
    if not text:
        return ""
    return (
        f"\n\nInstructions from {name}, the owner, on how to talk with visitors (follow them within the "
        f"rules above):\n{text}"
    )
