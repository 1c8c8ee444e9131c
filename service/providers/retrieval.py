"""BM25 over persona passages: the offline provider's memory of what the owner wrote."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import msgspec

from persona_sources import Section

_TOKEN = re.compile(r"[a-z0-9][a-z0-9+#.]*[a-z0-9+#]|[a-z0-9]")
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "before",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "for",
        "from",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "just",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "tell",
        "please",
        "know",
        "like",
        "kind",
        "sort",
        "thing",
        "things",
        "really",
        "much",
        "many",
        "get",
        "got",
    ]
)
#: Visitors ask in everyday words; persona text uses CV words. Each query word also searches these.
EXPANSIONS: dict[str, tuple[str, ...]] = {
    "work": ("employer", "role", "company", "job", "position", "current"),
    "job": ("role", "employer", "position", "current"),
    "working": ("employer", "role", "current"),
    "study": ("education", "university", "degree", "school"),
    "studied": ("education", "university", "degree", "school"),
    "school": ("education", "university", "degree"),
    "university": ("education", "degree"),
    "degree": ("education", "university"),
    "speak": ("languages", "language"),
    "languages": ("language",),
    "skills": ("skill", "specialties", "technologies", "expertise"),
    "skill": ("skills", "specialties", "expertise"),
    "good": ("skills", "specialties", "expertise"),
    "live": ("location", "based"),
    "based": ("location",),
    "from": ("location",),
    "contact": ("email", "reach", "availability"),
    "touch": ("contact", "availability"),
    "hire": ("availability", "looking", "open"),
    "available": ("availability", "open"),
    "hobbies": ("interests",),
    "free": ("interests",),
    "experience": ("years", "experience"),
    "certified": ("certifications",),
    "certificates": ("certifications",),
}


#: Words so common in questions about a career that they say little about what is asked.
GENERIC_QUERY_WORDS = frozenset(["experience", "know", "tell", "worked", "done", "kind"])
GENERIC_WEIGHT = 0.3


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens without stop words, lightly stemmed."""
    return [_stem(t) for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS]


def _stem(token: str) -> str:
    for suffix in ("ies", "ing", "es", "s"):
        if len(token) > len(suffix) + 3 and token.endswith(suffix):
            return token[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return token


class Passage(msgspec.Struct, frozen=True):
    """A retrievable piece of a section, with its section's provenance."""

    text: str
    source_id: str
    source_type: str
    title: str


#: Section kinds whose every line is a fact of its own.
LINE_KINDS = ("facts", "profile")


def passages_of(sections: Iterable[Section]) -> list[Passage]:
    """Facts and short lines become one passage each; prose is split into paragraphs."""
    out = []
    for section in sections:
        chunks = (
            section.text.splitlines() if section.kind in LINE_KINDS else re.split(r"\n\s*\n", section.text)
        )
        for chunk in chunks:
            chunk = " ".join(chunk.split())
            if len(tokenize(chunk)) >= 2:
                out.append(Passage(chunk, section.source_id, section.source_type, section.title))
    return out


class BM25Index:
    """Okapi BM25 (k1=1.5, b=0.75) over passages, built once per persona."""

    def __init__(self, passages: Sequence[Passage], k1: float = 1.5, b: float = 0.75) -> None:
        self.passages = list(passages)
        self._docs = [Counter(tokenize(f"{p.title} {p.text}")) for p in self.passages]
        self._lengths = [sum(d.values()) for d in self._docs]
        self._avg = (sum(self._lengths) / len(self._lengths)) if self._lengths else 1.0
        df: Counter[str] = Counter()
        for doc in self._docs:
            df.update(doc.keys())
        n = len(self._docs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.k1, self.b = k1, b

    def query_terms(self, query: str) -> dict[str, float]:
        """The query's terms with weights: its own words 1.0 (generic ones 0.3), expansions half that."""
        terms: dict[str, float] = {}
        for raw in _TOKEN.findall(query.lower()):
            if raw in STOPWORDS and raw not in EXPANSIONS:
                continue
            weight = GENERIC_WEIGHT if raw in GENERIC_QUERY_WORDS else 1.0
            if raw not in STOPWORDS:
                terms[_stem(raw)] = weight
            for extra in EXPANSIONS.get(raw, ()):
                terms.setdefault(_stem(extra), weight / 2)
        return terms

    def search(self, query: str, limit: int = 3) -> list[tuple[float, Passage]]:
        """The best passages for `query`, best first, with their scores (only positive scores)."""
        terms = self.query_terms(query)
        scored = []
        for doc, length, passage in zip(self._docs, self._lengths, self.passages, strict=True):
            score = 0.0
            for term, weight in terms.items():
                tf = doc.get(term, 0)
                if tf:
                    norm = tf + self.k1 * (1 - self.b + self.b * length / self._avg)
                    score += weight * self._idf[term] * tf * (self.k1 + 1) / norm
            if score > 0:
                scored.append((score, passage))
        scored.sort(key=lambda item: -item[0])
        return scored[:limit]
