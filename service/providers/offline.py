"""The embedded default: answers from the persona's own words, no model, no network.

It answers only what it can ground: the common questions from the structured persona
(`profile_answers`), anything else with the owner's notes that cover the question (`grounding`).
Otherwise it says it has no notes and, like a model following the rules, records the question
for the owner.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import msgspec

from persona_sources import Persona, Section
from service.providers.base import ProviderRequest, StreamItem, ToolCall, ToolRound
from service.providers.grounding import Grounder
from service.providers.profile_answers import ProfileAnswers
from service.providers.retrieval import Passage, passages_of
from service.providers.usage import Usage

OFFLINE_NOTE = "_(I'm answering offline from my notes, without an AI model, so I quote them as written.)_"

_HELLO = r"hi|hello|hey|hiya|howdy|greetings|good (morning|afternoon|evening)"
_THANK = r"thanks|thank you|many thanks|cheers|ty"
_SMALL_TALK = r"how are you( doing)?( today)?|how's it going|how do you do|what's up"
#: A greeting or thanks with at most a few words after it and no question but small talk: all the
#: message says.
_GREETING = re.compile(
    rf"^\W*(({_HELLO})\b([^?]{{0,20}}|[^?]{{0,12}}\b({_SMALL_TALK})\b\W*)|({_SMALL_TALK})\W*)$", re.I
)
_THANKS = re.compile(rf"^\W*({_THANK})\b[^?]{{0,30}}$", re.I)
#: A greeting or thanks before what the visitor asks ("Thanks! And where did you study?").
_PLEASANTRY = re.compile(
    rf"^\W*({_HELLO}|{_THANK})\b(\s+(there|again|so much|a lot))?[\s,.!:;-]*(and\b\W*)?", re.I
)
_KIND = r"(a |an )?(human|real|bot|robot|ai|person|machine|chatbot|real person)"
_WHAT = rf"{_KIND}( or {_KIND})?"
#: Asking what the twin is, as the whole question ("Are you a bot?", "What are you?"), not a question
#: that starts the same way ("Are you a person who likes mentoring?", "What are you working on?").
_IDENTITY = re.compile(
    rf"^\W*(are you {_WHAT}|am i (talking|speaking|chatting) (to|with) {_WHAT}|"
    rf"what (exactly )?are you|is this {_WHAT})\W*$",
    re.I,
)
_QUESTION = re.compile(
    r"\?\s*$|^\W*(what|who|whom|whose|where|when|why|how|which|do|does|did|are|is|was|were|have|has|"
    r"can|could|would|will|should|tell)\b",
    re.I,
)
#: Asking for the set-up or to leave the role. "act as" and "you are now" only as an order, at a
#: sentence's start ("Act as my lawyer"), not in a question ("Did you act as incident commander?").
_EXTRACTION = re.compile(
    r"\b(system prompt|your (instructions|rules|prompt)|ignore (all |any )?(previous|prior|above)|"
    r"developer mode|jailbreak|pretend (you are|to be))\b|"
    r"(^|[.!?:;]\s*|\b(please|now|from now on),?\s+)(act as|you are now)\b",
    re.I,
)


_BULLET = re.compile(r"^(?:[-*+\u2022]|\d{1,3}[.)])\s+")


@dataclass(frozen=True)
class OfflineTools:
    """The tools the offline provider calls as a model would, given by the wiring (the owner's loop
    defines them): the contact and unanswered-question tools' names, and what an email looks like."""

    contact: str
    question: str
    email: re.Pattern[str]


class OfflineProvider:
    """Deterministic first-person replies from the persona, grounded or not given at all."""

    name = "offline"
    model = "offline-bm25"
    offline = True

    def __init__(self, persona: Persona, tools: OfflineTools) -> None:
        self._persona = persona
        self._tools = tools
        self._notes = Grounder(passages_of(persona.sections))
        self._profile = ProfileAnswers(persona, self._notes)
        #: The notes with the owner's answers added, rebuilt only when the answers change.
        self._answers: tuple[Section, ...] = ()
        self._with_answers = self._notes

    async def close(self) -> None:
        """Nothing to release."""

    def _notes_with(self, answers: tuple[Section, ...]) -> Grounder:
        if answers != self._answers:
            self._with_answers = Grounder(passages_of(self._persona.sections + answers))
            self._answers = answers
        return self._with_answers

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

    def grounded_reply(self, message: str, answers: tuple[Section, ...] = ()) -> str | None:
        """The reply the notes support (the owner's answers first), or None when nothing grounds it."""
        text = _substance(message.strip())
        notes = self._notes_with(answers)
        owner = [p for p in notes.answers(text) if p.kind == "qa"]  # the owner's own answers come first
        if owner:
            return _quoted(owner[:1])
        profile = self._profile.answer(text)
        if profile is not None:
            return f"{profile}\n\n{OFFLINE_NOTE}"
        found = notes.answers(text)
        return _quoted(found) if found else None

    def plan_tools(self, message: str, answers: tuple[Section, ...] = ()) -> list[ToolCall]:
        """What a model would record for `message`: an email as a contact, else an unanswered question."""
        text = message.strip()
        emails = self._tools.email.findall(text)
        if emails:
            # the first address is the contact's; any other stays in the note, for the owner
            note = " ".join(self._tools.email.sub(" ", text, count=1).split())[:300]
            args = {"email": emails[0], "note": note}
            return [ToolCall(id="offline_contact", name=self._tools.contact, arguments=json.dumps(args))]
        if self._canned(text) is not None or not _QUESTION.search(text):
            return []
        if self.grounded_reply(text, answers) is not None:
            return []
        args = {"question": text[:500]}
        return [ToolCall(id="offline_question", name=self._tools.question, arguments=json.dumps(args))]

    def answer(
        self, message: str, answers: tuple[Section, ...] = (), rounds: tuple[ToolRound, ...] = ()
    ) -> str:
        """The whole reply to `message`, knowing the owner's answers and what tools recorded."""
        name = self._persona.name
        text = message.strip()
        recorded = _recorded(rounds)
        if self._tools.contact in recorded:
            return (
                f"Thanks! I've passed your email on to {name}, who will get back to you. "
                "Is there anything else you'd like to know in the meantime?"
            )
        canned = self._canned(text)
        if canned is not None:
            return canned
        reply = self.grounded_reply(text, answers)
        if reply is not None:
            return reply
        if self._tools.question in recorded:
            return (
                "That isn't something I have notes on, so I'd rather not guess. I've passed your question "
                f"on to {name}; if you'd like to hear back, leave your email here."
            )
        return (
            "That isn't something I have notes on, so I'd rather not guess. You could ask me about my "
            f"work, skills or experience, or leave your email and I'll pass the question on to {name}."
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


def _substance(text: str) -> str:
    """What a message asks, a greeting or thanks before it left out ("Hi! Where are you based?")."""
    found = _PLEASANTRY.match(text)
    return text[found.end() :] if found and found.end() < len(text) else text


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


def _quoted(passages: list[Passage]) -> str:
    """Notes quoted as written, each with where it comes from (the citation its source declares), as
    a list (a note that is an item of the owner's own list keeps its words, not its bullet)."""
    lines = [f"- {_BULLET.sub('', p.text)} (from {p.citation})" for p in passages]
    return "Here's what my notes say:\n\n" + "\n".join(lines) + f"\n\n{OFFLINE_NOTE}"
