"""The embedded default: answers from the persona's own words with BM25, no model, no network."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from memory import Usage
from persona_sources import Persona
from service.providers.base import ProviderRequest
from service.providers.retrieval import BM25Index, Passage, passages_of

#: Below this BM25 score a passage is not taken as an answer (one solid term match scores ~2).
MIN_SCORE = 1.2
OFFLINE_NOTE = "_(I'm answering offline from my notes, without an AI model, so I quote them as written.)_"

_GREETING = re.compile(
    r"^\W*(hi|hello|hey|hiya|howdy|greetings|good (morning|afternoon|evening))\b[\W\w]{0,20}$", re.I
)
_THANKS = re.compile(r"^\W*(thanks|thank you|cheers|ty)\b", re.I)
_IDENTITY = re.compile(
    r"\b(are you (a |an )?(human|real|bot|robot|ai|person|machine)|who are you|what are you)\b", re.I
)
_EXTRACTION = re.compile(
    r"(system prompt|your (instructions|rules|prompt)|ignore (all |any )?(previous|prior|above)|"
    r"developer mode|jailbreak|pretend (you are|to be)|you are now|act as)",
    re.I,
)


class OfflineProvider:
    """Deterministic first-person replies built from the best-matching persona passages."""

    name = "offline"
    model = "offline-bm25"
    offline = True

    def __init__(self, persona: Persona) -> None:
        self._persona = persona
        self._index = BM25Index(passages_of(persona.sections))

    async def close(self) -> None:
        """Nothing to release."""

    def answer(self, message: str) -> str:
        """The whole reply to `message`."""
        name = self._persona.name
        text = message.strip()
        if _EXTRACTION.search(text):
            return (
                f"I can't share how I'm set up or step out of my role, but I'm happy to talk about "
                f"{name}'s work, skills and experience."
            )
        if _GREETING.match(text):
            return f"{self._persona.greeting}\n\n{OFFLINE_NOTE}"
        if _THANKS.match(text):
            return "You're welcome! Anything else you'd like to know about my work?"
        if _IDENTITY.search(text):
            return (
                f"I'm an AI digital twin of {self._persona.full_name}, built from what {name} wrote about "
                f"their work. {OFFLINE_NOTE}"
            )
        hits = self._index.search(text, limit=3)
        if not hits or hits[0][0] < MIN_SCORE:
            return (
                "That isn't something I have notes on, so I'd rather not guess. You could ask me about my "
                f"work, skills or experience, or leave your email and I'll pass the question on to {name}."
            )
        best = hits[0][0]
        lines = [_cite(p) for score, p in hits if score >= best * 0.5]
        return (
            "Here's what my notes say:\n\n" + "\n".join(f"- {line}" for line in lines) + f"\n\n{OFFLINE_NOTE}"
        )

    async def stream(self, request: ProviderRequest) -> AsyncIterator[str | Usage]:
        """The reply in word-sized deltas, as a model would stream it; usage is zero (no model ran)."""
        for piece in re.findall(r"\S+\s*|\s+", self.answer(request.message)):
            yield piece
        yield Usage()


def _cite(passage: Passage) -> str:
    label = {"facts": "my facts", "linkedin_pdf": "my LinkedIn profile"}.get(
        passage.source_type, f"my {passage.title.lower()}"
    )
    return f"{passage.text} (from {label})"
