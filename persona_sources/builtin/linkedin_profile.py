"""A LinkedIn "Save to PDF" export read as a profile: columns, headings, entries, re-joined lines.

The export has a narrow left column (Contact, Top Skills, Languages, Certifications, Honors-Awards)
and a main column (name, headline, location, Summary, Experience, Education). Headings are bold and
larger than body text; a new item or paragraph starts with extra space above it, while a wrapped
line follows at the normal line spacing. That is all this parser relies on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

import msgspec

from persona_sources.builtin.pdf_lines import PdfLine

LEFT_HEADINGS = {
    "contact": "contact",
    "top skills": "skills",
    "skills": "skills",
    "languages": "languages",
    "certifications": "certifications",
    "honors-awards": "honors",
    "honors & awards": "honors",
    "publications": "publications",
    "patents": "patents",
}
MAIN_HEADINGS = {
    "summary": "summary",
    "about": "summary",
    "experience": "experience",
    "education": "education",
    "licenses & certifications": "certifications",
    "volunteer experience": "volunteering",
    "projects": "projects",
}
LINE_SPACING = 1.3
_DATES = re.compile(
    r"^(?P<start>(?:[A-Z][a-z]+ )?\d{4})\s*[-\u2013]\s*(?P<end>Present|(?:[A-Z][a-z]+ )?\d{4})"
    r"(?:\s*\((?P<duration>[^)]*)\))?$"
)
_DURATION = re.compile(r"^(?:\d+ years?)?\s*(?:\d+ months?)?$|^less than a year$")
_PLACE = re.compile(r"^[A-ZÀ-Ý][\w .'\u2019-]*(?:, [A-ZÀ-Ý][\w .'\u2019-]*)*$")
_SCHOOL_DATES = re.compile(r"\s*·?\s*\(([^)]*\d{4}[^)]*)\)\s*$")


class Position(msgspec.Struct, frozen=True, kw_only=True):
    company: str
    title: str
    start: str = ""
    end: str = ""
    duration: str = ""
    location: str = ""
    description: tuple[str, ...] = ()

    @property
    def current(self) -> bool:
        return self.end.lower() == "present"

    @property
    def dates(self) -> str:
        span = " - ".join(part for part in (self.start, self.end) if part)
        return f"{span}, {self.duration}" if span and self.duration else span


class School(msgspec.Struct, frozen=True, kw_only=True):
    school: str
    degree: str = ""
    dates: str = ""


class Profile(msgspec.Struct, frozen=True, kw_only=True):
    """What the export says, structured. `contact` is private unless the owner opts in."""

    name: str
    headline: str = ""
    location: str = ""
    summary: tuple[str, ...] = ()
    positions: tuple[Position, ...] = ()
    education: tuple[School, ...] = ()
    lists: dict[str, tuple[str, ...]] = msgspec.field(default_factory=dict)
    contact: tuple[str, ...] = ()
    created: datetime | None = None


def parse_profile(lines: Sequence[PdfLine], page_width: float, created: datetime | None = None) -> Profile:
    """The profile in `lines`. Raises ValueError when the layout is not a LinkedIn export's."""
    split = page_width * 0.3
    left = [line for line in lines if line.x < split]
    main = [line for line in lines if line.x >= split]
    if not main:
        raise ValueError("no main column (name, headline, experience) was found")
    lists = _left_column(left)
    contact = lists.pop("contact", ())
    top = max(main[: min(len(main), 5)], key=lambda line: line.size)
    heading_at = next((i for i, line in enumerate(main) if _main_heading(line)), len(main))
    intro = [line for line in main[:heading_at] if line is not top]
    headline = [line for line in intro if line.size >= 11.5]
    location = [line for line in intro if line.size < 11.5]
    sections = dict(_sections(main[heading_at:], _main_heading))
    return Profile(
        name=top.text.strip(),
        headline=_join(line.text for line in headline),
        location=_join(line.text for line in location),
        summary=tuple(_paragraphs(sections.get("summary", []))),
        positions=tuple(_positions(sections.get("experience", []))),
        education=tuple(_schools(sections.get("education", []))),
        lists=lists,
        contact=contact,
        created=created,
    )


def _main_heading(line: PdfLine) -> str | None:
    return MAIN_HEADINGS.get(line.text.strip().lower()) if line.bold and line.size >= 14 else None


def _left_heading(line: PdfLine) -> str | None:
    return LEFT_HEADINGS.get(line.text.strip().lower()) if line.bold and line.size >= 12 else None


def _sections(
    lines: Sequence[PdfLine], heading: Callable[[PdfLine], str | None]
) -> Iterator[tuple[str, list[PdfLine]]]:
    """(section name, its lines) for each heading, in order; lines before any heading are dropped."""
    current: str | None = None
    body: list[PdfLine] = []
    for line in lines:
        name = heading(line)
        if name:
            if current:
                yield current, body
            current, body = name, []
        elif current:
            body.append(line)
    if current:
        yield current, body


def _left_column(lines: Sequence[PdfLine]) -> dict[str, tuple[str, ...]]:
    return {name: tuple(_items(body)) for name, body in _sections(lines, _left_heading) if body}


def _gap(previous: PdfLine, line: PdfLine) -> float:
    """Extra space above `line` beyond normal line spacing; 0 across a page break."""
    if previous.page != line.page:
        return 0.0
    return previous.y - line.y - line.size * LINE_SPACING


def _items(lines: Sequence[PdfLine]) -> Iterator[str]:
    """Items separated by extra space; wrapped lines of one item re-joined."""
    yield from _blocks(lines, threshold=1.5)


def _paragraphs(lines: Sequence[PdfLine]) -> Iterator[str]:
    yield from _blocks(lines, threshold=4.0)


def _blocks(lines: Sequence[PdfLine], threshold: float) -> Iterator[str]:
    parts: list[str] = []
    previous: PdfLine | None = None
    for line in lines:
        if previous is not None and (_gap(previous, line) > threshold or line.bold != previous.bold):
            yield _join(parts)
            parts = []
        parts.append(line.text)
        previous = line
    if parts:
        yield _join(parts)


def _join(parts: Iterator[str] | Sequence[str]) -> str:
    """Wrapped lines re-joined: with a space, except inside a URL or path split at '-' or '/'."""
    text = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        last_word = text.rsplit(" ", 1)[-1]
        glued = text.endswith("/") or (text.endswith("-") and ("/" in last_word or "." in last_word))
        text = f"{text}{part}" if glued or not text else f"{text} {part}"
    return text


def _positions(lines: Sequence[PdfLine]) -> Iterator[Position]:
    """Companies (bold, larger) with one or more roles (bold, smaller) and their details."""
    company = ""
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.bold and line.size >= 11.75:
            company_lines = [line]
            index += 1
            while index < len(lines) and lines[index].bold and lines[index].size == line.size:
                company_lines.append(lines[index])
                index += 1
            company = _join([part.text for part in company_lines])
            if index < len(lines) and not lines[index].bold and _DURATION.match(lines[index].text.strip()):
                index += 1  # the company's total duration, above several roles
            continue
        if line.bold:
            index, position = _position(lines, index, company)
            yield position
            continue
        index += 1


def _position(lines: Sequence[PdfLine], index: int, company: str) -> tuple[int, Position]:
    title_lines = [lines[index]]
    index += 1
    while index < len(lines) and lines[index].bold and lines[index].size == title_lines[0].size:
        title_lines.append(lines[index])
        index += 1
    fields: dict[str, str] = {}
    if index < len(lines) and (dates := _DATES.match(lines[index].text.strip())):
        fields = {key: value or "" for key, value in dates.groupdict().items()}
        index += 1
        following = lines[index] if index < len(lines) else None
        if (
            following is not None
            and not following.bold
            and _PLACE.match(following.text.strip())
            and _gap(lines[index - 1], following) < 3.0
        ):
            fields["location"] = following.text.strip()
            index += 1
    body: list[PdfLine] = []
    while index < len(lines) and not lines[index].bold:
        body.append(lines[index])
        index += 1
    return index, Position(
        company=company,
        title=_join([part.text for part in title_lines]),
        description=tuple(_paragraphs(body)),
        **fields,
    )


def _schools(lines: Sequence[PdfLine]) -> Iterator[School]:
    school: list[str] = []
    detail: list[str] = []
    for line in [*lines, None]:
        if line is None or (line.bold and detail):
            if school:
                yield _school(school, detail)
            school, detail = [], []
        if line is None:
            break
        (school if line.bold else detail).append(line.text)


def _school(school: list[str], detail: list[str]) -> School:
    text = _join(detail)
    dates = ""
    if match := _SCHOOL_DATES.search(text):
        dates = match.group(1).strip()
        text = text[: match.start()].strip()
    return School(school=_join(school), degree=text.rstrip(" ·"), dates=dates)
