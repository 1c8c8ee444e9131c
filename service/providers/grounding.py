"""The grounding rule: a note may answer a question only when it covers what the question asks.

A question's content words are weighted by how rare they are among the owner's notes (IDF; a word
no note holds weighs the most). A note grounds the question when the words it holds carry at least
`GROUNDED` of that weight, and at least one of them is more than a generic word ("favourite",
"work", "experience", a lone digit): sharing one word, or only generic words, with a fact is not an
answer. The
offline provider quotes only grounded notes, and `twin eval` grades offline replies by this rule.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

import msgspec

from service.providers.retrieval import EXPANSIONS, BM25Index, Passage, fold, stem, tokenize, word_set

#: The share of a question's weight a note must cover to answer it.
GROUNDED = 0.6
#: Words that say little about what is asked: they count, lightly, but never ground alone.
GENERIC = word_set(
    "favourite favorite favorit work works worked working job experience experienced knowledge "
    "think opinion best good great nice lot ever make made use used using done feel "
    "view bit something anything question current currently recent recently main describe "
    "explain tell share talk background"
)
GENERIC_WEIGHT = 0.25
#: A question about what the owner likes ("What is your favourite game?", "Do you like Stockholm?"):
#: a note answers it only when it says what they like too, not by naming the thing.
_ASKS_PREFERENCE = re.compile(
    r"\bfavou?rites?\b|\b(do|did) you (really |still )?(like|love|enjoy|prefer|hate|dislike)\b", re.I
)
_STATES_PREFERENCE = re.compile(
    r"\b(favou?rites?|likes?|liked|loves?|loved|enjoy(s|ed)?|prefers?|preferred|passion(ate)?|fond|hates?|"
    r"dislikes?)\b",
    re.I,
)
#: A digit on its own ("1", a list's number, a stray key) is as rare in the notes as a name, but it
#: is no topic: it weighs and grounds like a generic word.
_LONE_DIGIT = re.compile(r"[0-9]")


class Term(msgspec.Struct, frozen=True):
    """One content word of a question: its stem, the words that match it, its weight."""

    word: str
    matches: tuple[str, ...]
    weight: float
    generic: bool


class Grounder:
    """The rule applied to one set of notes (their IDF decides what a word weighs)."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.index = BM25Index(passages)
        self.passages = self.index.passages

    def terms(self, question: str) -> list[Term]:
        """The question's content words, each with the words that match it and its weight."""
        seen: dict[str, Term] = {}
        for raw in tokenize(question):
            if raw in seen:
                continue
            base = next((k for k in (raw, raw + "s") if k in EXPANSIONS), raw)
            matches = (raw, *(stem(word) for word in EXPANSIONS.get(base, ())))
            generic = raw in GENERIC or fold(raw) in GENERIC or _LONE_DIGIT.fullmatch(raw) is not None
            weight = self.index.idf(raw) * (GENERIC_WEIGHT if generic else 1.0)
            seen[raw] = Term(raw, matches, weight, generic)
        return list(seen.values())

    def coverage(self, terms: Sequence[Term], text: str) -> tuple[float, bool]:
        """The share of the terms' weight `text` covers, and whether a non-generic term is covered.

        Words the question and the text both have side by side are one name ("KTH Royal Institute
        of Technology") and weigh as their weightiest word: a long name shared with a fact does not
        outweigh the one word the fact lacks.
        """
        held = tokenize(text)
        pairs = set(itertools.pairwise(held))
        units: list[list[Term]] = []
        for term in terms:
            last = units[-1][-1] if units else None
            together = last is not None and any((a, b) in pairs for a in last.matches for b in term.matches)
            if together:
                units[-1].append(term)
            else:
                units.append([term])
        present = set(held)
        total = covered = 0.0
        specific = False
        for unit in units:
            weight = max(term.weight for term in unit)
            total += weight
            hits = [term for term in unit if present.intersection(term.matches)]
            if hits:
                covered += weight if len(hits) == len(unit) else max(term.weight for term in hits)
                specific = specific or any(not term.generic for term in hits)
        return (covered / total if total else 0.0), specific

    def grounds(self, question: str, text: str) -> bool:
        """Whether `text` answers `question` by the rule."""
        terms = self.terms(question)
        share, specific = self.coverage(terms, text)
        return bool(terms) and specific and share >= GROUNDED

    def answers(self, question: str, limit: int = 3) -> list[Passage]:
        """The notes that ground `question`, best first (BM25 ranks, the rule filters)."""
        terms = self.terms(question)
        if not terms:
            return []
        weights = {word: term.weight / max(len(term.matches), 1) for term in terms for word in term.matches}
        ranked = self.index.search(weights, limit=limit * 4)
        found = []
        preference = _ASKS_PREFERENCE.search(question) is not None
        for score, index in ranked:
            passage = self.passages[index]
            share, specific = self.coverage(terms, passage.searchable)
            if (
                specific
                and share >= GROUNDED
                and score >= ranked[0][0] * 0.4
                and self._asks(terms, question, passage)
                and (not preference or _STATES_PREFERENCE.search(passage.searchable) is not None)
            ):
                found.append(passage)
        return found[:limit]

    def _asks(self, terms: Sequence[Term], question: str, passage: Passage) -> bool:
        """An owner's answer is searched with the question it replied to (`context`). A later question
        takes it when the answer alone covers it, or when it asks what that question asked (this
        rule the other way round): not when it shares one topic of a question that asked several."""
        if passage.kind != "qa" or not passage.context:
            return True
        share, specific = self.coverage(terms, f"{passage.title} {passage.text}")
        return (specific and share >= GROUNDED) or self.grounds(passage.context, question)
