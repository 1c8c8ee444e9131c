"""The embedded default: answers from the persona's own words with BM25, no model, no network."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import msgspec

from persona_sources import Persona, Section
from service.owner.tools import EMAIL, RECORD_CONTACT, RECORD_QUESTION
from service.providers.base import ProviderRequest, StreamItem, ToolCall, ToolRound
from service.providers.retrieval import BM25Index, Passage, passages_of
from service.providers.usage import Usage

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
_QUESTION = re.compile(
    r"\?\s*$|^\W*(what|who|whom|whose|where|when|why|how|which|do|does|did|are|is|was|were|have|has|"
    r"can|could|would|will|should)\b",
    re.I,
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
        #: The index with the owner's answers added, rebuilt only when the answers change.
        self._answers: tuple[Section, ...] = ()
        self._answers_index = self._index

    async def close(self) -> None:
        """Nothing to release."""

    def _index_with(self, answers: tuple[Section, ...]) -> BM25Index:
        if answers != self._answers:
            self._answers_index = BM25Index(passages_of(self._persona.sections + answers))
            self._answers = answers
        return self._answers_index

    def _canned(self, text: str) -> str | None:
        """Replies that need no notes: refusals of extraction, greetings, thanks, identity."""
        name = self._persona.name
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
        return None

    def plan_tools(self, message: str, answers: tuple[Section, ...] = ()) -> list[ToolCall]:
        """What a model would record for `message`: an email as a contact, else an unanswered question."""
        text = message.strip()
        emails = EMAIL.findall(text)
        if emails:
            note = " ".join(EMAIL.sub(" ", text).split())[:300]
            args = {"email": emails[0], "note": note}
            return [ToolCall(id="offline_contact", name=RECORD_CONTACT, arguments=_json(args))]
        if self._canned(text) is not None or not _QUESTION.search(text):
            return []
        hits = self._index_with(answers).search(text, limit=1)
        if hits and hits[0][0] >= MIN_SCORE:
            return []
        args = {"question": text[:500]}
        return [ToolCall(id="offline_question", name=RECORD_QUESTION, arguments=_json(args))]

    def answer(
        self, message: str, answers: tuple[Section, ...] = (), rounds: tuple[ToolRound, ...] = ()
    ) -> str:
        """The whole reply to `message`, knowing the owner's answers and what tools recorded."""
        name = self._persona.name
        text = message.strip()
        recorded = _recorded(rounds)
        if RECORD_CONTACT in recorded:
            return (
                f"Thanks! I've passed your email on to {name}, who will get back to you. "
                "Is there anything else you'd like to know in the meantime?"
            )
        canned = self._canned(text)
        if canned is not None:
            return canned
        hits = self._index_with(answers).search(text, limit=3)
        if RECORD_QUESTION in recorded and (not hits or hits[0][0] < MIN_SCORE):
            return (
                "That isn't something I have notes on, so I'd rather not guess. I've passed your question "
                f"on to {name}; if you'd like to hear back, leave your email here."
            )
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

    async def stream(self, request: ProviderRequest) -> AsyncIterator[StreamItem]:
        """The reply in word-sized deltas, as a model would stream it; usage is zero (no model ran).

        When tools are offered and nothing was recorded yet in this turn, it first asks for the
        tool calls a model would make (the engine runs them and calls again with the results).
        """
        if request.tools and not request.rounds:
            offered = {t.name for t in request.tools}
            calls = [c for c in self.plan_tools(request.message, request.answers) if c.name in offered]
            if calls:
                for call in calls:
                    yield call
                yield Usage()
                return
        reply = self.answer(request.message, request.answers, request.rounds)
        for piece in re.findall(r"\S+\s*|\s+", reply):
            yield piece
        yield Usage()


def _recorded(rounds: tuple[ToolRound, ...]) -> set[str]:
    """Names of the tools whose call this turn succeeded (results are `{"ok": true, ...}`)."""
    done = set()
    for round_ in rounds:
        results = {r.call_id: r.content for r in round_.results}
        for call in round_.calls:
            try:
                result = msgspec.json.decode(results.get(call.id, "{}"))
            except msgspec.DecodeError:
                continue
            if isinstance(result, dict) and result.get("ok") is True:
                done.add(call.name)
    return done


def _json(value: object) -> str:
    import json

    return json.dumps(value)


def _cite(passage: Passage) -> str:
    label = {
        "facts": "my facts",
        "linkedin_pdf": "my LinkedIn profile",
        "owner_answers": "my own answer to a visitor's question",
    }.get(passage.source_type, f"my {passage.title.lower()}")
    if passage.source_type == "owner_answers":
        return f"{passage.text.partition('Answer:')[2].strip()} (from {label})"
    return f"{passage.text} (from {label})"
