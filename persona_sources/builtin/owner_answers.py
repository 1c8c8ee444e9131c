"""`owner_answers`: the owner's answers to visitors' questions, as question-and-answer sections.

At runtime the answers come from the records store (`twin questions answer ...`), refreshed while
the process runs, so a deployed twin learns them without a redeploy (see `service.chat.answers`).
There a section holds only the owner's words: the answer, and the topic the owner gave it. The
visitor's own wording never reaches a prompt, where rule 10 tells the model to trust these sections
as the owner's. The same source type can also be listed in persona.toml with a JSON file of answers,
written by the owner, to keep answers in the persona itself: `[{"question": "...", "answer": "..."}]`.
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


def answer_section(
    question: str, answer: str, *, source_id: str = SOURCE_ID, ref: str = "", asked: str = ""
) -> Section:
    """One answer as a section. `question` is the owner's own words (may be empty) and is quoted with
    the answer; `asked`, a visitor's wording, is only searched (the `question` field: retrieval's
    context), so the offline provider finds the answer the way it was asked and no prompt quotes it."""
    question, answer, asked = " ".join(question.split()), answer.strip(), " ".join(asked.split())
    title = f"Answer to: {question}"[:200] if question else "An answer to a visitor's question"
    searched = asked or question
    return Section(
        source_id=source_id,
        source_type=SOURCE_TYPE,
        title=title,
        text=(f"Question: {question}\n" if question else "") + f"Answer: {answer}",
        kind=KIND,
        fields=({"question": searched} if searched else {})
        | ({"topic": question} if asked and question else {})
        | {"answer": answer}
        | ({"id": ref} if ref else {}),
        citation=CITATION,
    )


def answer_sections(answered: Iterable[tuple[str, str, str, str]]) -> tuple[Section, ...]:
    """Sections for (id, topic, asked, answer) in the order given: the owner's topic (may be empty) is
    quoted, the visitor's wording only searched."""
    return tuple(answer_section(t, a, ref=ref, asked=asked) for ref, t, asked, a in answered if a.strip())


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
