"""The offline provider's memory of what the owner wrote: passages, their words, and BM25 over them."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

import msgspec

from persona_sources import Section

#: A word: letters and digits (a lone letter only as "c#" or "c++"), possessive "'s" left out.
_TOKEN = re.compile(r"[a-z0-9]{2,}[+#]*|[a-z][+#]+|[0-9]")
_POSSESSIVE = re.compile(r"['\u2019]s\b")


def word_set(text: str) -> frozenset[str]:
    """Words written as one string, separated by spaces."""
    return frozenset(text.split())


STOPWORDS = word_set(
    "a about after again all also am an and any are as at be been before being both but by can "
    "could did do does doing for from had has have having he her here hers him his how i if in "
    "into is it its just me more most my no nor not now of on once only or other our ours out "
    "over own same she should so some such than that the their them then there these they this "
    "those through to too under until up very was we were what when where which while who whom "
    "why will with would you your yours yourself tell please know like kind sort thing things "
    "really much many get got let let's ok okay hi hey"
)
#: Visitors ask in everyday words; persona text uses CV words. A question's word also matches these.
EXPANSIONS: dict[str, tuple[str, ...]] = {
    "job": ("role", "position", "employer"),
    "study": ("education", "university", "degree", "school"),
    "studied": ("education", "university", "degree", "school"),
    "speak": ("languages", "language"),
    "skill": ("skills", "specialties", "expertise"),
    "live": ("location", "based"),
    "hobby": ("interests",),
    "hobbies": ("interests",),
    "fun": ("interests",),
    "free": ("interests",),
    "hire": ("availability",),
    "available": ("availability",),
    "certified": ("certifications", "certification", "certificate"),
    "certificate": ("certifications", "certification", "certified"),
    "read": ("books", "book", "reading"),
}


def fold(text: str) -> str:
    """Lower case without accents or possessives, so "Västerås" and "vasteras" are one word."""
    decomposed = unicodedata.normalize("NFKD", _POSSESSIVE.sub("", text.casefold()))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def stem(token: str) -> str:
    for suffix in ("ies", "ing", "es", "s"):
        if len(token) > len(suffix) + 3 and token.endswith(suffix):
            return token[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return token


def tokenize(text: str) -> list[str]:
    """The words of `text` that carry meaning: folded, stop words left out, lightly stemmed."""
    return [stem(token) for token in _TOKEN.findall(fold(text)) if token not in STOPWORDS]


class Passage(msgspec.Struct, frozen=True):
    """A retrievable piece of a section, with its section's provenance and how to cite it.

    `context` is searched but not quoted (the question an owner's answer replies to).
    """

    text: str
    source_id: str
    source_type: str
    title: str
    citation: str = ""
    context: str = ""
    kind: str = "text"

    @property
    def searchable(self) -> str:
        return f"{self.context} {self.title} {self.text}"


#: Section kinds whose every line is a fact of its own.
LINE_KINDS = ("facts", "profile")
#: Section kinds that say how the owner talks, not what is true of them: never a note to quote.
UNQUOTED_KINDS = ("style",)


def passages_of(sections: Iterable[Section]) -> list[Passage]:
    """Facts, lines of a profile and items of a list are a passage each; prose is split into
    paragraphs; an owner's answer is one passage searched with its question."""
    out = []
    for section in sections:
        if section.kind in UNQUOTED_KINDS:
            continue
        citation = section.cited_as()
        if section.kind == "qa" and section.fields.get("answer"):
            chunks, context = [section.fields["answer"]], section.fields.get("question", "")
        elif section.items:
            chunks, context = list(section.items), ""
        elif section.kind in LINE_KINDS:
            chunks, context = section.text.splitlines(), ""
        else:
            chunks, context = _paragraphs(section.text), ""
        for chunk in chunks:
            chunk = " ".join(chunk.split())
            if tokenize(chunk):
                out.append(
                    Passage(
                        chunk,
                        section.source_id,
                        section.source_type,
                        section.title,
                        citation,
                        context,
                        section.kind,
                    )
                )
    return out


def _paragraphs(text: str) -> list[str]:
    """Paragraphs, and each bullet of a list on its own (a style guide's points are not one fact)."""
    chunks: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        lines = paragraph.splitlines()
        bulleted = [line for line in lines if re.match(r"\s*([-*•]|\d+[.)])\s", line)]
        chunks += lines if len(bulleted) >= 2 else [paragraph]
    return chunks


class BM25Index:
    """Okapi BM25 (k1=1.5, b=0.75) over passages, built once per persona; also each word's IDF."""

    def __init__(self, passages: Sequence[Passage], k1: float = 1.5, b: float = 0.75) -> None:
        self.passages = list(passages)
        self.docs = [Counter(tokenize(p.searchable)) for p in self.passages]
        self._lengths = [sum(d.values()) for d in self.docs]
        self._avg = (sum(self._lengths) / len(self._lengths)) if self._lengths else 1.0
        df: Counter[str] = Counter()
        for doc in self.docs:
            df.update(doc.keys())
        n = len(self.docs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        #: The IDF of a word no passage holds: the rarest there can be.
        self.unseen_idf = math.log(1 + (n + 0.5) / 0.5)
        self.k1, self.b = k1, b

    def idf(self, term: str) -> float:
        return self._idf.get(term, self.unseen_idf)

    def search(self, terms: dict[str, float], limit: int = 3) -> list[tuple[float, int]]:
        """The best passages (by index) for weighted `terms`, best first, with positive scores."""
        scored = []
        for index, (doc, length) in enumerate(zip(self.docs, self._lengths, strict=True)):
            score = 0.0
            for term, weight in terms.items():
                tf = doc.get(term, 0)
                if tf:
                    norm = tf + self.k1 * (1 - self.b + self.b * length / self._avg)
                    score += weight * self._idf[term] * tf * (self.k1 + 1) / norm
            if score > 0:
                scored.append((score, index))
        scored.sort(key=lambda item: -item[0])
        return scored[:limit]
