"""`text`: a plain text or Markdown file, with a title."""

from __future__ import annotations

from collections.abc import Callable

from persona_sources.hookspecs import hookimpl
from persona_sources.model import Section, SourceContext, SourceType


def load_text(ctx: SourceContext) -> list[Section]:
    title = ctx.spec.title or ctx.path.stem.replace("_", " ").replace("-", " ").capitalize()
    return [Section(source_id=ctx.spec.id, source_type="text", title=title, text=ctx.read_text())]


@hookimpl
def register_persona_sources(register: Callable[[SourceType], None]) -> None:
    register(
        SourceType(
            name="text",
            load=load_text,
            help=(
                "A text or Markdown file (summary, style, anything you write), UTF-8. Options: path, title."
            ),
        )
    )
