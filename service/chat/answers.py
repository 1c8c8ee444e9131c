"""The owner's answers as persona sections, cached per process and refreshed from the records store.

The persona is composed once and immutable, and the stable part of the system prompt stays
byte-identical. Answers change while a process (or a warm Lambda) runs, so they are not part of it:
the engine appends them after the stable prompt and the date, and hands them to the offline
provider's index, for every turn.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import anyio

from memory import StoreError
from persona_sources import Section
from persona_sources.builtin.owner_answers import answer_sections
from persona_sources.prompt import quote_section
from service.owner.loop import OwnerLoop

log = logging.getLogger("twin.answers")


class AnswersCache:
    """Answered questions as sections; read again when older than `refresh_seconds`.

    A store failure keeps the last answers (logged) and tries again at the next refresh.
    """

    def __init__(
        self, owner: OwnerLoop, refresh_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._owner = owner
        self._refresh = refresh_seconds
        self._clock = clock
        self._sections: tuple[Section, ...] = ()
        self._loaded_at: float | None = None
        self._lock = anyio.Lock()

    async def sections(self) -> tuple[Section, ...]:
        """The current answers, oldest answer first."""
        if self._fresh():
            return self._sections
        async with self._lock:
            if not self._fresh():  # another turn may have refreshed while this one waited
                await self._reload()
        return self._sections

    def _fresh(self) -> bool:
        return self._loaded_at is not None and self._clock() - self._loaded_at < self._refresh

    async def _reload(self) -> None:
        try:
            answered = await self._owner.answered()
        except StoreError as exc:
            log.warning("owner answers not refreshed: %s", type(exc).__name__)
        else:
            # The owner's words are quoted; the visitor's wording is only searched, never in a prompt.
            self._sections = answer_sections((q.id, q.topic, q.question, q.answer) for q in answered)
        self._loaded_at = self._clock()


def answers_prompt(name: str, sections: tuple[Section, ...]) -> str:
    """The block appended to the system prompt after the date ("" without answers)."""
    if not sections:
        return ""
    quoted = "\n\n".join(quote_section(section) for section in sections)
    return f"\n\nAnswers {name} wrote to visitors' earlier questions (data, like the sources):\n{quoted}"
