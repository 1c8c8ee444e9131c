"""A LinkedIn "Save to PDF" export read as a profile, by what its lines say rather than how they look.

Sections are found by their names in any language LinkedIn exports in (`linkedin_words`), in one
column or two; the name is the largest text outside any section, followed by the headline and the
location; positions and schools are read by `linkedin_entries`. Nothing is dropped: text the parser
does not recognise is kept verbatim under its section, and the contact block is set apart (it is
private unless the owner opts in).
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import msgspec

from persona_sources.builtin.linkedin_entries import (
    Experience,
    Position,
    School,
    read_education,
    read_experience,
)
from persona_sources.builtin.linkedin_words import (
    LANGUAGES,
    SECTIONS,
    ends_in_country,
    looks_like_place,
    name_key,
)
from persona_sources.builtin.pdf_layout import (
    Spacing,
    Widths,
    column_points,
    columns,
    items,
    join,
    paragraphs,
    style,
    text_of,
)
from persona_sources.builtin.pdf_lines import PdfLine

#: Sections whose entries are list items, one a line unless wrapped.
LIST_SECTIONS = ("skills", "languages", "certifications", "honors", "publications", "patents")
#: A line ending so carries on onto the next.
_CARRIES_ON = (",", "&", "|", "-", "/", "+", "\u2013")
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
    #: The heading's line (or two, when it wraps); empty before any heading.
    heading: list[PdfLine]
    width: Widths
    #: How the column spaces its lines (headings left out) and how its lists (contact details
    #: included) space theirs: what a wrapped line and a wrapped list item look like.
    spacing: Spacing
    lists: Spacing
    lines: list[PdfLine] = field(default_factory=list)


def parse_profile(lines: Sequence[PdfLine], page_width: float, created: datetime | None = None) -> Profile:
    """The profile in `lines`. Raises ValueError when no name can be found."""
    return read_profile(lines, page_width, created).profile


@dataclass(frozen=True)
class Reading:
    """A parsed export: the profile, the contact block's lines and the section headings' lines."""

    profile: Profile
    private: list[PdfLine]
    headings: list[PdfLine]


def read_profile(lines: Sequence[PdfLine], page_width: float, created: datetime | None = None) -> Reading:
    """The profile in `lines`, with the lines of its contact block (private unless opted in) and
    of the section headings it recognised (their meaning is the sections' kinds).

    Raises: ValueError when no section heading or no name can be found.
    """
    parts = _parts(lines, page_width)
    if all(part.key is None for part in parts):
        # Nothing to tell a contact block from a headline: read anyway, it would be guesswork.
        raise ValueError(
            "none of its section headings (Contact, Summary, Experience, Education, ...) was found; "
            'is it a LinkedIn "Save to PDF" export in a language twin reads '
            f"({', '.join(LANGUAGES)})?"
        )
    intro, width, column_lines, others = _take_intro(parts)
    spacing = Spacing(intro, width)
    column = Spacing([line for line in column_lines if line not in intro], width, fallbacks=others)
    name_end = 1
    while name_end < len(intro) and style(intro[name_end]) == style(intro[0]):
        if not spacing.full(intro[name_end - 1]):
            break
        name_end += 1
    contact = [line for line in intro[name_end:] if _CONTACT.search(line.text)]
    rest = [line for line in intro[name_end:] if line not in contact]
    headline, location = _headline_and_location(rest, column)
    summary: tuple[str, ...] = ()
    experience = Experience()
    education: tuple[School, ...] = ()
    lists: dict[str, tuple[str, ...]] = {}
    extras: list[Extra] = []
    for part in parts:
        heading = text_of(part.heading)
        if part.key is None:
            contact += [line for line in part.lines if _CONTACT.search(line.text)]
            kept = [line for line in part.lines if not _CONTACT.search(line.text)]
            if kept:
                extras.append(Extra(section="other", paragraphs=_paragraphs(kept, part)))
        elif part.key == "contact":
            contact += part.lines
        elif part.key in LIST_SECTIONS:
            entries = tuple(text_of(item) for item in items(part.lines, part.lists))
            lists[part.key] = lists.get(part.key, ()) + entries
        elif part.key == "summary":
            summary = _paragraphs(part.lines, part)
        elif part.key == "experience":
            experience = read_experience(part.lines, part.width, part.spacing)
            if experience.preamble:
                extras.append(Extra(section="experience", heading=heading, paragraphs=experience.preamble))
        elif part.key == "education":
            education = read_education(part.lines, part.width, part.spacing)
        elif part.lines:
            extras.append(Extra(section=part.key, heading=heading, paragraphs=_paragraphs(part.lines, part)))
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
    return Reading(profile, contact, [line for part in parts for line in part.heading])


def _parts(lines: Sequence[PdfLine], page_width: float) -> list[_Part]:
    """Each column cut at its section headings, columns left to right."""
    cols = columns(lines, page_width)
    headings = _headings(cols)
    widths = [
        Widths(column, points) for column, points in zip(cols, column_points(cols, page_width), strict=True)
    ]
    spacings = [
        Spacing(column, width, skip=_heading_indices(column, headings))
        for column, width in zip(cols, widths, strict=True)
    ]
    for spacing in spacings:
        spacing.fallbacks = tuple(other for other in spacings if other is not spacing)
    parts: list[_Part] = []
    for column, width, spacing in zip(cols, widths, spacings, strict=True):
        lists, prose = _list_spacing(column, headings, width)
        lists.fallbacks = (prose,)
        current = _Part(key=None, heading=[], width=width, spacing=spacing, lists=lists)
        rest = 0
        for line in column:
            if rest:
                current.heading.append(line)
                rest -= 1
                continue
            if id(line) not in headings:
                current.lines.append(line)
                continue
            key, count = headings[id(line)]
            parts.append(current)
            current = _Part(key=key, heading=[line], width=width, spacing=spacing, lists=lists)
            rest = count - 1
        parts.append(current)
    return [part for part in parts if part.heading or part.lines]


def _heading_indices(column: Sequence[PdfLine], headings: dict[int, tuple[str, int]]) -> set[int]:
    return {
        index + extra
        for index, line in enumerate(column)
        if id(line) in headings
        for extra in range(headings[id(line)][1])
    }


def _list_spacing(
    column: Sequence[PdfLine], headings: dict[int, tuple[str, int]], width: Widths
) -> tuple[Spacing, Spacing]:
    """How the column's lists (and contact block) space their lines, each list measured alone, and
    how the rest of the column (its running text) does."""
    lists: list[PdfLine] = []
    prose: list[PdfLine] = []
    starts: list[int] = []
    key: str | None = None
    rest = 0
    for line in column:
        if id(line) in headings:
            key, rest = headings[id(line)]
            rest -= 1
            starts.append(len(lists))
        elif rest:
            rest -= 1
        elif key in (*LIST_SECTIONS, "contact"):
            lists.append(line)
        else:
            prose.append(line)
    return Spacing(lists, width, apart=starts), Spacing(prose, width)


def _headings(cols: Sequence[Sequence[PdfLine]]) -> dict[int, tuple[str, int]]:
    """The lines that open a section (by id), with the section and how many lines the name takes.

    A heading is a section name alone on its line, or wrapped onto a second line of its style (a
    narrow sidebar wraps "Reconocimientos y premios"); once per section. Where a name occurs more
    than once (a skill called "Languages"), the one that stands out most (larger, then bold) wins.
    """
    found: dict[str, list[tuple[tuple[float, bool, int], PdfLine, int]]] = {}
    order = 0
    for column in cols:
        for index, line in enumerate(column):
            order += 1
            following = column[index + 1] if index + 1 < len(column) else None
            key, count = None, 0
            if following is not None and style(following) == style(line):
                key, count = SECTIONS.get(name_key(f"{line.text} {following.text}")), 2
            if key is None:
                key, count = SECTIONS.get(name_key(line.text)), 1
            if key:
                found.setdefault(key, []).append(((line.size, line.bold, -order), line, count))
    chosen = {}
    for key, candidates in found.items():
        _, best, count = max(candidates, key=lambda candidate: candidate[0])
        chosen[id(best)] = (key, count)
    return chosen


def _take_intro(parts: list[_Part]) -> tuple[list[PdfLine], Widths, list[PdfLine], tuple[Spacing, ...]]:
    """The name, headline and location lines, taken out of `parts`, their column's width and lines,
    and the spacing of the other columns.

    The name is the largest line before any heading (LinkedIn's main column starts with it);
    failing that, the largest line on the first page if it stands out.
    """
    unheaded = [part for part in parts if part.key is None]
    pool = {id(part) for part in unheaded or parts}
    found = (
        (p, i, line) for p, part in enumerate(parts) if id(part) in pool for i, line in enumerate(part.lines)
    )
    candidates = [
        (line.size, -order, part_index, index)
        for order, (part_index, index, line) in enumerate(found)
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
    column = [line for p in parts if p.width is part.width for line in p.lines]
    return intro, part.width, column, part.spacing.fallbacks


def _headline_and_location(lines: Sequence[PdfLine], column: Spacing) -> tuple[str, str]:
    """The headline, then the location on the last line when it reads like a place.

    A place in the headline's own style must not carry on a line that ends in "," or "&", and must
    end in a country or region, or stand apart: further below than a wrapped line of its size
    would be (the headline's own, else the page's); with nothing to measure, be clearly a place
    under a short headline line (one that did not wrap).
    """
    if not lines:
        return "", ""
    last = lines[-1]
    if len(lines) == 1:
        alone = looks_like_place(last.text, alone=True)
        return ("", last.text.strip()) if alone else (last.text.strip(), "")
    above = lines[-2]
    if not looks_like_place(last.text) or above.text.rstrip().endswith(_CARRIES_ON):
        return text_of(lines), ""
    if style(above) != style(last) or above.page != last.page:
        return text_of(lines[:-1]), last.text.strip()
    wraps = [
        a.y - b.y
        for a, b in itertools.pairwise(lines[:-1])
        if a.page == b.page and style(a) == style(b) == style(last)
    ]
    size = style(last)[0]
    wrap = min(wraps) if wraps else column.line_height(size)
    if wrap is None and column.ratio:
        wrap = column.ratio * size
    if ends_in_country(last.text):
        apart = True
    elif wrap is not None:
        apart = above.y - last.y > wrap + 0.5
    else:
        apart = not column.width.full(above) and looks_like_place(last.text, alone=True)
    return (text_of(lines[:-1]), last.text.strip()) if apart else (text_of(lines), "")


def _paragraphs(lines: Sequence[PdfLine], part: _Part) -> tuple[str, ...]:
    spacing = Spacing(lines, part.width, fallbacks=[part.spacing])
    return tuple(text_of(group) for group in paragraphs(lines, spacing))


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
