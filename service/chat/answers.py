"""The owner's answers as persona sections, cached per process and refreshed from the records store.

The persona is composed once and immutable, and the stable part of the system prompt stays
byte-identical. Answers change while a process (or a warm Lambda) runs, so they are not part of it:
the engine appends them after the stable prompt and the date, and hands them to the offline
provider's index, for every turn.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from persona_sources import Section
from persona_sources.builtin.owner_answers import answer_sections
from persona_sources.prompt import quote_section
from service.chat.refreshed import Refreshed
from service.owner.loop import OwnerLoop


class AnswersCache:
    """Answered questions as sections, oldest answer first; read again when older than `refresh_seconds`.

    A store failure keeps the last answers (logged) and tries again at the next refresh.
    """

    def __init__(
        self, owner: OwnerLoop, refresh_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._owner = owner
        self._cached: Refreshed[tuple[Section, ...]] = Refreshed(
            "owner answers", self._load, (), refresh_seconds, clock
        )

    async def sections(self) -> tuple[Section, ...]:
        """The current answers, oldest answer first."""
        return await self._cached.get()

    def invalidate(self) -> None:
        """Read the answers again on the next turn (the owner just changed one)."""
        self._cached.invalidate()

    async def _load(self) -> tuple[Section, ...]:
        answered = await self._owner.answered()
        # The owner's words are quoted; the visitor's wording is only searched, never in a prompt.
        return answer_sections((q.id, q.topic, q.question, q.answer) for q in answered)


def answers_prompt(name: str, sections: tuple[Section, ...]) -> str:
    """The block appended to the system prompt after the date ("" without answers)."""
    if not sections:
        return ""
    quoted = "\n\n".join(quote_section(section) for section in sections)
    return f"\n\nAnswers {name} wrote to visitors' earlier questions (data, like the sources):\n{quoted}"
