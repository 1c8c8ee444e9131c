"""The persona's data: source specs from the manifest, sections with provenance, the composed persona."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import msgspec

from persona_sources.errors import SourceError


class SourceSpec(msgspec.Struct, frozen=True, kw_only=True):
    """One `[[sources]]` entry of persona.toml; keys other than these arrive in `options`."""

    id: str
    type: str
    path: str | None = None
    title: str | None = None
    options: dict[str, Any] = msgspec.field(default_factory=dict)


class Section(msgspec.Struct, frozen=True, kw_only=True):
    """A titled piece of persona text that remembers which source it came from.

    `facts` carries public persona-wide facts (full_name, headline, current_role, ...) for the card,
    the published profile and consistency checks; private values never get here. `kind` says what
    the section holds (see SECTION_KINDS) and `fields` the structured parts of one entry (company,
    title, dates...). `created` is when the source itself was produced (e.g. a PDF's creation date),
    so stale sources can be flagged.
    """

    source_id: str
    source_type: str
    title: str
    text: str
    kind: str = "text"
    facts: dict[str, str] = msgspec.field(default_factory=dict)
    fields: dict[str, str] = msgspec.field(default_factory=dict)
    created: datetime | None = None


#: Section kinds the built-ins produce; a plugin may use these (so publishing and suggestions
#: understand its sections) or any other name.
SECTION_KINDS = (
    "text",
    "facts",
    "profile",
    "summary",
    "experience",
    "education",
    "skills",
    "languages",
    "certifications",
    "honors",
    "contact",
    "qa",
)


@dataclass(frozen=True)
class SourceContext:
    """What a loader gets: its manifest entry and the persona directory it is relative to."""

    spec: SourceSpec
    persona_dir: Path

    @property
    def path(self) -> Path:
        """The source's file; a loader that needs one calls this and gets a clear error if unset."""
        if not self.spec.path:
            raise SourceError("no `path` given in the manifest")
        return self.persona_dir / self.spec.path

    def read_bytes(self) -> bytes:
        """The file's bytes; missing, unreadable and empty files are loud errors."""
        path = self.path
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise SourceError("file is missing") from None
        except OSError as exc:
            raise SourceError(f"file cannot be read ({exc.strerror})") from None
        if not data.strip():
            raise SourceError("file is empty")
        return data

    def read_text(self) -> str:
        """The file as UTF-8 text."""
        try:
            return self.read_bytes().decode("utf-8").strip()
        except UnicodeDecodeError:
            raise SourceError("file is not UTF-8 text") from None


Loader = Callable[[SourceContext], Sequence[Section]]


@dataclass(frozen=True)
class SourceType:
    """A kind of persona source a plugin provides. `origin` is filled in by the registry."""

    name: str
    load: Loader
    help: str
    origin: str = field(default="", compare=False)


class Persona(msgspec.Struct, frozen=True, kw_only=True):
    """The composed, immutable persona. `prompt` is the stable part of the system prompt."""

    name: str
    full_name: str
    headline: str
    sections: tuple[Section, ...]
    prompt: str
    content_hash: str
    greeting: str
    suggested_questions: tuple[str, ...] = ()
    avatar_url: str | None = None
    website: str | None = None
    #: Public persona-wide facts merged from every source (the first source to state a fact wins).
    facts: dict[str, str] = msgspec.field(default_factory=dict)

    def system_prompt(self, today: date) -> str:
        """The stable prompt, byte-identical across requests, then what changes per day."""
        return f"{self.prompt}\n\nToday's date: {today.isoformat()}."
