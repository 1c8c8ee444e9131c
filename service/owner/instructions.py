"""The owner's instructions: a short text in their own words (tone, what to emphasise or avoid, a booking
link) that the twin follows. Kept beside the records (`owner/instructions`), edited in the owner's
room; the chat engine appends it after the stable prompt (service/chat/instructions.py).
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from memory import RecordStore
from memory.model import utc_now

OWNER = "owner"
INSTRUCTIONS = "instructions"
#: The longest instructions the twin takes: they go into every prompt, so they stay short.
MAX_CHARS = 2000


class Instructions(msgspec.Struct, frozen=True, kw_only=True):
    text: str = ""
    updated_at: datetime | None = None


class OwnerInstructions:
    """Reads and replaces the instructions."""

    def __init__(self, records: RecordStore) -> None:
        self._records = records

    async def get(self) -> Instructions:
        found = await self._records.get(OWNER, INSTRUCTIONS)
        return Instructions() if found is None else msgspec.convert(found.value, Instructions)

    async def set(self, text: str) -> Instructions:
        """Replace them (blank text clears them). Raises: ValueError when longer than MAX_CHARS."""
        text = text.strip()
        if len(text) > MAX_CHARS:
            raise ValueError(f"instructions are {len(text)} characters long; the limit is {MAX_CHARS}")
        if not text:
            await self._records.delete(OWNER, INSTRUCTIONS)
            return Instructions()
        instructions = Instructions(text=text, updated_at=utc_now())
        await self._records.update(OWNER, INSTRUCTIONS, lambda _: msgspec.to_builtins(instructions))
        return instructions
