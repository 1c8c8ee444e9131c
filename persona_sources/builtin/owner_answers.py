"""`owner_answers`: the owner's answers to visitors' questions, as question-and-answer sections.

At runtime the answers come from the records store (`twin questions answer ...`), refreshed while
the process runs, so a deployed twin learns them without a redeploy (see `service.answers`). The
same source type can also be listed in persona.toml with a JSON file of answers, to keep answers in
the persona itself: `[{"question": "...", "answer": "..."}, ...]`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import msgspec

from persona_sources.errors import SourceError
from persona_sources.hookspecs import hookimpl
from persona_sources.model import Section, SourceContext, SourceType

SOURCE_TYPE = "owner_answers"
SOURCE_ID = "owner-answers"
KIND = "qa"
CITATION = "my own answer to a visitor's question"


class QA(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    question: str
    answer: str


def answer_section(question: str, answer: str, *, source_id: str = SOURCE_ID, ref: str = "") -> Section:
    """One answered question as a section: the question's words help retrieval find the answer."""
    question, answer = " ".join(question.split()), answer.strip()
    return Section(
        source_id=source_id,
        source_type=SOURCE_TYPE,
        title=f"Answer to: {question}"[:200],
        text=f"Question: {question}\nAnswer: {answer}",
        kind=KIND,
        fields={"question": question, "answer": answer} | ({"id": ref} if ref else {}),
        citation=CITATION,
    )


def answer_sections(pairs: Iterable[tuple[str, str, str]]) -> tuple[Section, ...]:
    """Sections for (id, question, answer) triples, in the order given."""
    return tuple(answer_section(q, a, ref=ref) for ref, q, a in pairs if q.strip() and a.strip())


def load_owner_answers(ctx: SourceContext) -> list[Section]:
    try:
        pairs = msgspec.json.decode(ctx.read_bytes(), type=list[QA])
    except msgspec.ValidationError as exc:
        raise SourceError(f"expected a list of {{question, answer}} objects ({exc})") from None
    except msgspec.DecodeError as exc:
        raise SourceError(f"not valid JSON ({exc})") from None
    ctx.report_input(text for p in pairs if p.answer.strip() for text in (p.question, p.answer))
    return [answer_section(p.question, p.answer, source_id=ctx.spec.id) for p in pairs if p.answer.strip()]


@hookimpl
def register_persona_sources(register: Callable[[SourceType], None]) -> None:
    register(
        SourceType(
            name=SOURCE_TYPE,
            load=load_owner_answers,
            help=(
                "Question-and-answer pairs written by the owner. At runtime the twin also reads the "
                "answers given with `twin questions answer`. Options: path (a JSON list of "
                "{question, answer}), title."
            ),
            citation=CITATION,
        )
    )
