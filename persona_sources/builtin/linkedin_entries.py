"""Positions and schools of a LinkedIn export, anchored on what their lines say.

A position is found by its date-range line ("Januar 2023 - Heute (1 Jahr 11 Monate)"): its title is
the paragraph right above, its company above that (or the company whose total-duration line heads
several roles), and a place may follow the dates. A school is its name followed by a degree line
that may end with its dates. Size and weight only help where they differ between these parts.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence

import msgspec

from persona_sources.builtin.linkedin_words import (
    DATE_RANGE,
    DURATION,
    PRESENT_WORD,
    SCHOOL_DATES,
    SCHOOL_NAME,
    fold,
    looks_like_place,
)
from persona_sources.builtin.pdf_layout import (
    BULLETS,
    Spacing,
    Style,
    Widths,
    ends_sentence,
    paragraphs,
    style,
    text_of,
)
from persona_sources.builtin.pdf_lines import PdfLine


class Position(msgspec.Struct, frozen=True, kw_only=True):
    company: str
    title: str
    start: str = ""
    end: str = ""
    duration: str = ""
    location: str = ""
    description: tuple[str, ...] = ()
    #: The company's total time, printed above several roles at one company.
    company_duration: str = ""

    @property
    def current(self) -> bool:
        return bool(PRESENT_WORD.match(fold(self.end).strip()))

    @property
    def dates(self) -> str:
        span = " - ".join(part for part in (self.start, self.end) if part)
        return f"{span}, {self.duration}" if span and self.duration else span


class School(msgspec.Struct, frozen=True, kw_only=True):
    school: str
    degree: str = ""
    dates: str = ""


class Experience(msgspec.Struct, frozen=True, kw_only=True):
    """The positions, and any text above the first one (kept verbatim)."""

    positions: tuple[Position, ...] = ()
    preamble: tuple[str, ...] = ()


def _is_date(line: PdfLine) -> bool:
    return bool(DATE_RANGE.match(fold(line.text).strip()))


def _is_duration(line: PdfLine) -> bool:
    return bool(DURATION.match(fold(line.text).strip()))


def read_experience(lines: Sequence[PdfLine], width: Widths, column: Spacing) -> Experience:
    """The Experience section's positions, in the export's order; every line lands in one of them.

    `column` is the spacing of the whole column, for a section too short to show its own.
    """
    lines = _dates_rejoined(lines)
    dates = [i for i, line in enumerate(lines) if _is_date(line)]
    if not dates:
        return Experience(preamble=_texts(lines, Spacing(lines, width, fallbacks=[column])))
    durations = {i for i, line in enumerate(lines) if i not in dates and _is_duration(line)}
    titles = {d - 1 for d in dates}
    candidates = {
        d + 1
        for d in dates
        if d + 1 < len(lines) and d + 1 not in titles | set(dates) and looks_like_place(lines[d + 1].text)
    }
    spacing = Spacing(lines, width, skip=set(dates) | durations | candidates | titles, fallbacks=[column])
    places = {c for c in candidates if _is_place(lines[c - 1], lines[c], spacing, column)}
    anchors = set(dates) | durations | places
    body = Counter(style(line) for i, line in enumerate(lines) if i not in anchors | titles)
    body_style = body.most_common(1)[0][0] if body else None

    headers: list[tuple[int, int, str, str]] = []  # (header start, title start, company, total)
    company, total, company_style = "", "", None
    floor = 0
    for number, d in enumerate(dates):
        title_start = _block_start(lines, d - 1, floor, spacing, anchors) if d - 1 >= floor else d
        above = title_start - 1
        start = title_start
        if above >= floor and above in durations:
            company_start = 0 if number == 0 else _block_start(lines, above - 1, floor, spacing, anchors)
            company, total = text_of(lines[company_start:above]), lines[above].text.strip()
            start = company_start
            company_style = style(lines[company_start]) if company_start < above else company_style
        elif number == 0 and title_start > 0:
            company, total, start = text_of(lines[:title_start]), "", 0
            company_style = style(lines[0])
        elif above >= floor:
            block_start = _block_start(lines, above, floor, spacing, anchors)
            block = lines[block_start:title_start]
            if _is_company(block, company_style, body_style):
                company, total, start = text_of(block), "", block_start
                company_style = company_style or style(block[0])
        headers.append((start, title_start, company, total))
        floor = d + 1 + (d + 1 in places)

    positions = []
    for number, (d, (_, title_start, company, total)) in enumerate(zip(dates, headers, strict=True)):
        after = d + 1 + (d + 1 in places)
        end = headers[number + 1][0] if number + 1 < len(headers) else len(lines)
        positions.append(
            Position(
                company=company,
                title=text_of(lines[title_start:d]),
                location=lines[d + 1].text.strip() if d + 1 in places else "",
                description=_texts(lines[after:end], spacing),
                company_duration=total,
                **_date_fields(lines[d].text),
            )
        )
    return Experience(positions=tuple(positions), preamble=_texts(lines[: headers[0][0]], spacing))


def _dates_rejoined(lines: Sequence[PdfLine]) -> list[PdfLine]:
    """The lines with a date range wrapped onto a second line ("... (2 anos 11" + "meses)") as one."""
    out: list[PdfLine] = []
    for line in lines:
        above = out[-1] if out else None
        if above is not None and style(above) == style(line) and not _is_date(above):
            joined = msgspec.structs.replace(line, text=f"{above.text} {line.text}")  # placed as its last
            if _is_date(joined):
                out[-1] = joined
                continue
        out.append(line)
    return out


def _is_place(dates: PdfLine, line: PdfLine, spacing: Spacing, column: Spacing) -> bool:
    """Whether a place-like line under a date line is the position's place, or the next company.

    The place shares the date line's style and follows it closely (LinkedIn sets them as one
    block); a company starts a new block further down. At the top of the next page, only a line
    that is clearly a place (a comma, a country) is taken for one.
    """
    if style(dates) != style(line):
        return False
    if dates.page != line.page:  # no spacing to go by: only what is clearly a place
        return looks_like_place(line.text, alone=True)
    ratio = column.ratio or 1.75  # without wrapped lines to measure, about the largest line height
    line_height = spacing.line_height(style(line)[0]) or ratio * line.size
    return dates.y - line.y <= line_height + max(2.0, 0.2 * line.size)


def _block_start(lines: Sequence[PdfLine], last: int, floor: int, spacing: Spacing, anchors: set[int]) -> int:
    """Where the block ending at `last` starts: wrapped lines above it of one style, no anchor.

    A title or company wraps only when its line is full, so a short line above ends the block.
    """
    start = last
    while start - 1 >= floor and start - 1 not in anchors:
        above, line = lines[start - 1], lines[start]
        if style(above) != style(line) or not spacing.full(above) or ends_sentence(above.text):
            break
        start -= 1
    return start


def _is_company(block: Sequence[PdfLine], company_style: Style | None, body_style: Style | None) -> bool:
    """Whether the block above a title names a new company, or ends the previous description.

    Where companies look different from descriptions their style decides; otherwise a company is
    a short line or two that is not a sentence or a bullet.
    """
    if not block:
        return False
    if company_style is not None and body_style is not None and company_style != body_style:
        return style(block[0]) == company_style
    text = text_of(block)
    return (
        len(block) <= 2
        and len(text) <= 100
        and not ends_sentence(text)
        and not text.startswith(BULLETS)
        and not text[:1].islower()
    )


def _date_fields(text: str) -> dict[str, str]:
    """Start, end and duration cut out of the original line (the match is on its folded form)."""
    text = text.strip()
    match = DATE_RANGE.match(fold(text))
    if match is None:
        return {}
    fields = {}
    for key in ("start", "end", "duration", "tail"):
        if match.group(key):
            fields["duration" if key == "tail" else key] = text[match.start(key) : match.end(key)].strip()
    return fields


def _texts(lines: Sequence[PdfLine], spacing: Spacing) -> tuple[str, ...]:
    return tuple(text_of(group) for group in paragraphs(lines, spacing))


def read_education(lines: Sequence[PdfLine], width: Widths, column: Spacing) -> tuple[School, ...]:
    """Schools: a name, then a degree line that may end with "(dates)"; names or degrees may be absent.

    Where names look different from the section's other lines, their look tells them apart;
    otherwise the space between blocks groups them into schools, and failing that (across a page
    break) a block without dates after a name is that school's degree unless a block sits close
    under it or it names a school itself ("University of ...", "Hochschule ...").
    """
    spacing = Spacing(lines, width, fallbacks=[column])
    groups = paragraphs(lines, spacing, ends=lambda line: bool(SCHOOL_DATES.search(line.text)))
    groups = [part for group in groups for part in _name_apart(group)]
    looks = [style(group[0]) for group in groups]
    dated = [bool(SCHOOL_DATES.search(text_of(group))) for group in groups]
    first = next((look for look, has in zip(looks, dated, strict=True) if not has), None)
    styled = first is not None and any(look != first for look in looks)
    close = _close_blocks(groups, column)
    schools: list[School] = []
    name: str | None = None
    for index, (group, look, has_dates) in enumerate(zip(groups, looks, dated, strict=True)):
        text = text_of(group)
        if styled:
            is_name = not has_dates and look == first
        elif close is not None and close[index] is not None:
            is_name = not has_dates and (index == 0 or not close[index])
        else:
            heads = close is not None and index + 1 < len(groups) and close[index + 1] is True
            is_name = not has_dates and (name is None or heads or bool(SCHOOL_NAME.search(fold(text))))
        if is_name:
            if name is not None:
                schools.append(School(school=name))
            name = text
        else:
            schools.append(_school(name or "", text))
            name = None
    if name is not None:
        schools.append(School(school=name))
    return tuple(schools)


def _name_apart(group: list[PdfLine]) -> list[list[PdfLine]]:
    """A block whose first line names a school and whose others do not is a name and its degree
    (where nothing else told them apart, they read as one wrapped paragraph)."""
    names = [bool(SCHOOL_NAME.search(fold(line.text))) for line in group]
    if len(group) > 1 and names[0] and not any(names[1:]):
        return [group[:1], group[1:]]
    return [group]


def _close_blocks(groups: Sequence[Sequence[PdfLine]], column: Spacing) -> list[bool | None] | None:
    """For each block, whether it sits close under the one before (one school): where the gaps
    between blocks fall into two kinds, the smaller kind; else a gap no wider than the column's
    line height allows. None where neither tells (a block after a page break: None too)."""
    distances = [
        above[-1].y - below[0].y if above[-1].page == below[0].page else None
        for above, below in itertools.pairwise(groups)
    ]
    known = [d for d in distances if d is not None]
    if len(known) >= 2 and max(known) - min(known) > 3.0:
        return [False] + [None if d is None else d <= min(known) + 3.0 for d in distances]
    heights = [column.line_height(style(group[0])[0]) for group in groups[1:]]
    if not known or any(h is None for h, d in zip(heights, distances, strict=True) if d is not None):
        return None
    return [False] + [
        None if d is None or h is None else d <= h + 3.0 for d, h in zip(distances, heights, strict=True)
    ]


def _school(name: str, detail: str) -> School:
    dates = ""
    if match := SCHOOL_DATES.search(detail):
        dates = match.group("dates").strip()
        detail = detail[: match.start()].strip()
    return School(school=name, degree=detail.rstrip(" ·•").strip(), dates=dates)
