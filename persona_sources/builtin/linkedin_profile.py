"""A LinkedIn "Save to PDF" export read as a profile, by what its lines say rather than how they look.

Sections are found by their names in any language LinkedIn exports in (`linkedin_words`), in one
column or two; the name is the largest text outside any section, followed by the headline and the
location; positions and schools are read by `linkedin_entries`. Nothing is dropped: text the parser
does not recognise is kept verbatim under its section, and the contact block is set apart (it is
private unless the owner opts in).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import msgspec

from persona_sources.builtin.linkedin_entries import Position, School, read_education, read_experience
from persona_sources.builtin.linkedin_words import SECTIONS, looks_like_place, name_key
from persona_sources.builtin.pdf_layout import (
    Spacing,
    column_width,
    columns,
    ends_sentence,
    items,
    join,
    paragraphs,
    style,
    text_of,
)
from persona_sources.builtin.pdf_lines import PdfLine

#: Sections whose entries are list items, one a line unless wrapped.
LIST_SECTIONS = ("skills", "languages", "certifications", "honors", "publications", "patents")
#: Contact lines that must stay private even where no Contact heading announced them.
_CONTACT = re.compile(
    r"[\w.%+-]+@[\w-]+(\.[\w-]+)+|\+?\d[\d ()./-]{6,}\d|linkedin\.com/in/|"
    r"\((LinkedIn|Mobile|Mobil|Móvil|Celular|Home|Work|Personal|Company|Blog|Portfolio|Other)\)\s*$",
    re.IGNORECASE,
)


class Extra(msgspec.Struct, frozen=True, kw_only=True):
    """Text kept verbatim: a section twin has no structure for, or lines outside any section."""

    section: str
    heading: str = ""
    paragraphs: tuple[str, ...] = ()


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
    extras: tuple[Extra, ...] = ()
    created: datetime | None = None


@dataclass
class _Part:
    """A column's lines from one section heading to the next (`key` None: before any heading)."""

    key: str | None
    heading: PdfLine | None
    width: float
    #: How the whole column spaces its lines (headings left out): what a wrapped list item looks like.
    spacing: Spacing
    lines: list[PdfLine] = field(default_factory=list)


def parse_profile(lines: Sequence[PdfLine], page_width: float, created: datetime | None = None) -> Profile:
    """The profile in `lines`. Raises ValueError when no name can be found."""
    return read_profile(lines, page_width, created)[0]


def read_profile(
    lines: Sequence[PdfLine], page_width: float, created: datetime | None = None
) -> tuple[Profile, list[PdfLine]]:
    """The profile in `lines` and the lines of its contact block (private unless opted in).

    Raises: ValueError when no name can be found.
    """
    parts = _parts(lines, page_width)
    intro, width = _take_intro(parts)
    spacing = Spacing(intro, width)
    name_end = 1
    while name_end < len(intro) and style(intro[name_end]) == style(intro[0]):
        if not spacing.full(intro[name_end - 1]):
            break
        name_end += 1
    contact = [line for line in intro[name_end:] if _CONTACT.search(line.text)]
    rest = [line for line in intro[name_end:] if line not in contact]
    headline, location = _headline_and_location(rest, spacing)
    summary: tuple[str, ...] = ()
    experience = read_experience([], 1.0)
    education: tuple[School, ...] = ()
    lists: dict[str, tuple[str, ...]] = {}
    extras: list[Extra] = []
    for part in parts:
        heading = part.heading.text.strip() if part.heading else ""
        if part.key is None:
            contact += [line for line in part.lines if _CONTACT.search(line.text)]
            kept = [line for line in part.lines if not _CONTACT.search(line.text)]
            if kept:
                extras.append(Extra(section="other", paragraphs=_paragraphs(kept, part.width)))
        elif part.key == "contact":
            contact += part.lines
        elif part.key in LIST_SECTIONS:
            entries = tuple(text_of(item) for item in items(part.lines, part.spacing))
            lists[part.key] = lists.get(part.key, ()) + entries
        elif part.key == "summary":
            summary = _paragraphs(part.lines, part.width)
        elif part.key == "experience":
            experience = read_experience(part.lines, part.width)
            if experience.preamble:
                extras.append(Extra(section="experience", heading=heading, paragraphs=experience.preamble))
        elif part.key == "education":
            education = read_education(part.lines, part.width)
        elif part.lines:
            extras.append(
                Extra(section=part.key, heading=heading, paragraphs=_paragraphs(part.lines, part.width))
            )
    profile = Profile(
        name=text_of(intro[:name_end]),
        headline=headline,
        location=location,
        summary=summary,
        positions=experience.positions,
        education=education,
        lists=lists,
        contact=_contact_items(contact),
        extras=tuple(extras),
        created=created,
    )
    return profile, contact


def _parts(lines: Sequence[PdfLine], page_width: float) -> list[_Part]:
    """Each column cut at its section headings, columns left to right."""
    cols = columns(lines, page_width)
    headings = _headings([line for column in cols for line in column])
    parts: list[_Part] = []
    for column in cols:
        width = column_width(column)
        spacing = Spacing(column, width, skip=[i for i, line in enumerate(column) if id(line) in headings])
        current = _Part(key=None, heading=None, width=width, spacing=spacing)
        for line in column:
            key = headings.get(id(line))
            if key is None:
                current.lines.append(line)
                continue
            parts.append(current)
            current = _Part(key=key, heading=line, width=width, spacing=spacing)
        parts.append(current)
    return [part for part in parts if part.heading is not None or part.lines]


def _headings(lines: Sequence[PdfLine]) -> dict[int, str]:
    """The lines that open a section: a section name alone on its line, once per section.

    Where a name occurs more than once (a skill called "Languages"), the one that stands out
    most (larger, then bold) is the heading; the others stay text.
    """
    found: dict[str, list[tuple[int, PdfLine]]] = {}
    for order, line in enumerate(lines):
        key = SECTIONS.get(name_key(line.text))
        if key:
            found.setdefault(key, []).append((order, line))
    chosen = {}
    for key, candidates in found.items():
        _, best = max(candidates, key=lambda c: (c[1].size, c[1].bold, -c[0]))
        chosen[id(best)] = key
    return chosen


def _take_intro(parts: list[_Part]) -> tuple[list[PdfLine], float]:
    """The name, headline and location lines, taken out of `parts`, and their column's width.

    The name is the largest line before any heading (LinkedIn's main column starts with it);
    failing that, the largest line on the first page if it stands out.
    """
    unheaded = [part for part in parts if part.key is None]
    pool = unheaded or [part for part in parts if any(line.page == 1 for line in part.lines)]
    candidates = [
        (line.size, -order, part_index, index)
        for order, (part_index, index, line) in enumerate(
            (p, i, line) for p, part in enumerate(parts) if part in pool for i, line in enumerate(part.lines)
        )
        if unheaded or line.page == 1
    ]
    if not candidates:
        raise ValueError("no name was found (no text outside the sections)")
    size, _, part_index, index = max(candidates)
    if not unheaded:
        sizes = [line.size for part in parts for line in part.lines]
        if size <= statistics.median(sizes):
            raise ValueError("no name was found (no text stands out before or between the sections)")
    part = parts[part_index]
    intro = part.lines[index:]
    part.lines = part.lines[:index]
    return intro, part.width


def _headline_and_location(lines: Sequence[PdfLine], spacing: Spacing) -> tuple[str, str]:
    """The headline, then the location on the last line when it reads like a place.

    A lone line needs more evidence (a comma or a place word), and a line that carries on a full
    headline line is part of the headline.
    """
    if not lines:
        return "", ""
    last = lines[-1]
    above = lines[-2] if len(lines) > 1 else None
    carried = (
        above is not None
        and style(above) == style(last)
        and spacing.full(above)
        and not ends_sentence(above.text)
    )
    if not carried and looks_like_place(last.text, alone=above is None):
        return text_of(lines[:-1]), last.text.strip()
    return text_of(lines), ""


def _paragraphs(lines: Sequence[PdfLine], width: float) -> tuple[str, ...]:
    return tuple(text_of(group) for group in paragraphs(lines, Spacing(lines, width)))


def _contact_items(lines: Sequence[PdfLine]) -> tuple[str, ...]:
    """Contact entries: a URL split over lines re-joined, a "(LinkedIn)" label kept with its URL."""
    entries: list[list[str]] = []
    for line in lines:
        text = line.text.strip()
        if entries and (entries[-1][-1].endswith(("-", "/")) or text.startswith("(")):
            entries[-1].append(text)
        else:
            entries.append([text])
    return tuple(join(parts) for parts in entries)
