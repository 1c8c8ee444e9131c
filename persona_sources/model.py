"""The persona's data: source specs from the manifest, sections with provenance, the composed persona."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePath
from typing import Any, TypeVar

import msgspec

from persona_sources.errors import SourceError
from persona_sources.options import NoOptions, parse_options

OptionsT = TypeVar("OptionsT", bound=msgspec.Struct)


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
    title, dates...). `items` are the entries of a list-like section (skills, books), each retrieved
    and cited on its own. `created` is when the source itself was produced (e.g. a PDF's creation
    date), so stale sources can be flagged. `citation` is how the twin names the source when it
    quotes the section ("my LinkedIn profile"); the host fills it in when the loader leaves it empty.
    """

    source_id: str
    source_type: str
    title: str
    text: str
    kind: str = "text"
    facts: dict[str, str] = msgspec.field(default_factory=dict)
    fields: dict[str, str] = msgspec.field(default_factory=dict)
    created: datetime | None = None
    items: tuple[str, ...] = ()
    citation: str = ""

    def entries(self) -> list[str]:
        """The entries of a list section: its `items`, else its text read as "Title: a; b; c."."""
        if self.items:
            return list(self.items)
        body = self.text.split(":", 1)[-1].strip().rstrip(".")
        return [item.strip() for item in body.split(";") if item.strip()]

    def cited_as(self) -> str:
        """How the twin names this section's source: its citation, else "my <title>"."""
        return self.citation or own_title(self.title)


def own_title(title: str) -> str:
    """A title said in the owner's voice: "Summary" -> "my summary", "JSON Resume" kept as written."""
    return f"my {title[:1].lower() + title[1:] if title[1:2].islower() else title}"


#: The largest source file read: a persona is a prompt, and the largest model context holds a few MB.
MAX_SOURCE_BYTES = 10 * 10**6

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
    "style",
)


@dataclass
class InputReport:
    """What a loader read, as text lines, so the host can measure how much reached the persona.

    `private` lines were kept out on purpose (contact details); `skipped` ones are page furniture
    (footers) and the section headings a parser recognised (their meaning is the sections' kinds);
    neither counts against coverage. `reported` is False when the loader said nothing.
    """

    lines: list[str] = field(default_factory=list)
    private: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    reported: bool = False


@dataclass(frozen=True)
class SourceContext:
    """What a loader gets: its manifest entry and the persona directory it is relative to."""

    spec: SourceSpec
    persona_dir: Path
    input: InputReport = field(default_factory=InputReport, compare=False, repr=False)

    @property
    def path(self) -> Path:
        """The source's file; a loader that needs one calls this and gets a clear error if it is
        unset or points outside the persona directory (which is what gets deployed)."""
        if not self.spec.path:
            raise SourceError("no `path` given in the manifest")
        relative = PurePath(self.spec.path)
        if relative.is_absolute() or ".." in relative.parts:
            raise SourceError(f"`path` must name a file inside the persona directory, not {self.spec.path!r}")
        return self.persona_dir / relative

    def options(self, kind: type[OptionsT]) -> OptionsT:
        """The manifest entry's options as `kind` (the Struct the source type declares).

        Raises: SourceError naming an unknown option or one of the wrong type.
        """
        return parse_options(self.spec.options, kind)

    def read_bytes(self) -> bytes:
        """The file's bytes; missing, unreadable and empty files are loud errors."""
        path = self.path
        try:
            size = path.stat().st_size
            if size > MAX_SOURCE_BYTES:
                raise SourceError(
                    f"file is {size / 1e6:.1f} MB; a source may be at most {MAX_SOURCE_BYTES // 10**6} MB "
                    "(the whole persona must fit in the model's prompt)"
                )
            data = path.read_bytes()
        except FileNotFoundError:
            raise SourceError("file is missing") from None
        except OSError as exc:
            raise SourceError(f"file cannot be read ({exc.strerror})") from None
        if not data.strip():
            raise SourceError("file is empty")
        return data

    def read_text(self) -> str:
        """The file as UTF-8 text without a byte-order mark, stripped; it is also what coverage is
        measured against unless the loader calls `report_input`."""
        try:
            text = self.read_bytes().decode("utf-8-sig").strip()
        except UnicodeDecodeError:
            raise SourceError("file is not UTF-8 text") from None
        if not text:
            raise SourceError("file is empty")
        if not self.input.reported:
            self.input.lines = text.splitlines()
        return text

    def report_input(
        self, lines: Iterable[str], *, private: Iterable[str] = (), skipped: Iterable[str] = ()
    ) -> None:
        """Say what the source holds, line by line: every word of `lines` should reach a section.

        `private` lines are left out on purpose; `skipped` ones are page furniture (footers) and
        recognised section headings.
        """
        self.input.lines = list(lines)
        self.input.private = list(private)
        self.input.skipped = list(skipped)
        self.input.reported = True


Loader = Callable[[SourceContext], Sequence[Section]]


@dataclass(frozen=True)
class SourceType:
    """A kind of persona source a plugin provides.

    `options` is the Struct of the options a manifest entry may set (the host rejects any other
    key, and values of the wrong type, naming the option). `citation` is how the twin names the
    source when quoting it ("my LinkedIn profile"; default: the source's title). `may_be_empty`
    lets a source legitimately contribute nothing. `origin` and `code` (the distribution, version
    and, for files not installed from a release, a hash of them) are filled in by the registry.
    """

    name: str
    load: Loader
    help: str
    options: type[msgspec.Struct] = NoOptions
    citation: str = ""
    may_be_empty: bool = False
    origin: str = field(default="", compare=False)
    code: str = field(default="", compare=False)


class SourceCoverage(msgspec.Struct, frozen=True, kw_only=True):
    """How many of a source's words reached the persona, and the lines that did not (all of them).

    `measured` is False for a source whose loader does not say what it read.
    """

    source_id: str
    source_type: str
    words: int = 0
    covered: int = 0
    missing: tuple[str, ...] = ()
    private: int = 0
    skipped: int = 0
    measured: bool = True

    @property
    def ratio(self) -> float:
        return self.covered / self.words if self.words else 1.0

    def summary(self) -> str:
        """ "linkedin: 100% of 412 words", rounded down so a loss never shows as 100%."""
        if not self.measured:
            why = f"the {self.source_type} loader does not report what it read"
            return f"{self.source_id}: coverage not measured ({why})"
        percent = 100 if self.covered == self.words else min(99, int(self.ratio * 100))
        left_out = [
            f"{count} {what if count > 1 else one} left out"
            for count, what, one in (
                (self.private, "private lines", "private line"),
                (self.skipped, "headings and footers", "heading or footer"),
            )
            if count
        ]
        extra = f" ({', '.join(left_out)})" if left_out else ""
        return f"{self.source_id}: {percent}% of {self.words} word{'s' if self.words != 1 else ''}{extra}"


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
    #: How much of each source's text reached the sections (see `persona_sources.coverage`).
    coverage: tuple[SourceCoverage, ...] = ()

    def system_prompt(self, today: date) -> str:
        """The stable prompt, byte-identical across requests, then what changes per day."""
        return f"{self.prompt}\n\nToday's date: {today.isoformat()}."
