"""`text`: a plain text or Markdown file, with a title; `kind = "style"` for how the owner talks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import msgspec

from persona_sources.hookspecs import hookimpl
from persona_sources.model import Section, SourceContext, SourceType


class TextOptions(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    #: `style`: how the owner talks (tone, habits), which the prompt follows and nothing quotes as a
    #: fact about them; `text`: anything else the owner wrote.
    kind: Literal["text", "style"] = "text"


def load_text(ctx: SourceContext) -> list[Section]:
    title = ctx.spec.title or ctx.path.stem.replace("_", " ").replace("-", " ").capitalize()
    kind = ctx.options(TextOptions).kind
    return [Section(source_id=ctx.spec.id, source_type="text", title=title, text=ctx.read_text(), kind=kind)]


@hookimpl
def register_persona_sources(register: Callable[[SourceType], None]) -> None:
    register(
        SourceType(
            name="text",
            load=load_text,
            help=(
                "A text or Markdown file (summary, style, anything you write), UTF-8. Options: path, title, "
                'kind ("style" for how you talk: the twin follows it and never quotes it as a fact).'
            ),
            options=TextOptions,
        )
    )
