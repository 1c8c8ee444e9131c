"""A page layout read from positions alone: columns, reading order, and which lines wrap.

Fonts differ between exports (one font for everything, bold or not, any size), so nothing here
needs a font: columns come from where lines start, wrapped lines from the spacing between lines of
one style and from how full a line is. Size and weight only tell lines apart where they differ.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence

from persona_sources.builtin.pdf_lines import PdfLine

#: Lines of one style: the size (to the half point) and weight.
Style = tuple[float, bool]
BULLETS = ("•", "-", "*", "\u2013", "·", "▪", "◦", "‣")  # \u2013: an en dash
_SENTENCE_END = (".", "!", "?", "…", ":", ";")
#: A line this much of the widest line's extent is full: the next one may continue it.
FULL = 0.8


def style(line: PdfLine) -> Style:
    return (round(line.size * 2) / 2, line.bold)


def reading_order(line: PdfLine) -> tuple[int, float, float]:
    return (line.page, -line.y, line.x)


def columns(lines: Sequence[PdfLine], page_width: float) -> list[list[PdfLine]]:
    """The lines by column, left to right, each top to bottom across pages.

    Two columns when the lines' left edges fall into two groups far apart (LinkedIn's sidebar and
    main column); otherwise one.
    """
    starts = sorted({round(line.x) for line in lines})
    gaps = [(right - left, (left + right) / 2) for left, right in itertools.pairwise(starts)]
    gap, split = max(gaps, default=(0.0, 0.0))
    if gap >= page_width * 0.12 and split <= page_width * 0.6:
        left = sorted((line for line in lines if line.x < split), key=reading_order)
        right = sorted((line for line in lines if line.x >= split), key=reading_order)
        if len(left) >= 2 and len(right) >= 2:
            return [left, right]
    return [sorted(lines, key=reading_order)]


def ends_sentence(text: str) -> bool:
    return text.rstrip().endswith(_SENTENCE_END)


def extent(line: PdfLine) -> float:
    """A rough width of the line's text (characters times size), enough to compare lines."""
    return len(line.text) * line.size


class Spacing:
    """How lines of one stretch of text are spaced: what a wrapped line looks like there.

    `wrap` holds, per size, the smallest distance between consecutive lines of one style (lines
    listed in `skip` left out, such as dates and titles), i.e. the line height inside a paragraph;
    exports differ (1.2 to 1.7 times the size), so it is measured, never assumed.
    """

    def __init__(self, lines: Sequence[PdfLine], width: float, skip: Iterable[int] = ()) -> None:
        skipped = set(skip)
        self.width = width
        self.wrap: dict[float, float] = {}
        #: The largest distance between consecutive lines of one style, per size.
        self.widest: dict[float, float] = {}
        for index in range(1, len(lines)):
            above, line = lines[index - 1], lines[index]
            if index in skipped or index - 1 in skipped:
                continue
            if above.page != line.page or style(above) != style(line) or above.y <= line.y:
                continue
            size = style(line)[0]
            self.wrap[size] = min(self.wrap.get(size, math.inf), above.y - line.y)
            self.widest[size] = max(self.widest.get(size, 0.0), above.y - line.y)

    def full(self, line: PdfLine) -> bool:
        """Whether the line reaches (nearly) across its column, as a wrapped line does."""
        return extent(line) >= FULL * self.width

    def continues(self, above: PdfLine, line: PdfLine) -> bool:
        """Whether `line` carries on `above`'s paragraph (a wrapped line, not a new paragraph).

        A short line that ends a sentence ends its paragraph, whatever the spacing says.
        """
        if style(above) != style(line) or line.text.startswith(BULLETS):
            return False
        if ends_sentence(above.text) and (above.page != line.page or not self.full(above)):
            return False
        if above.page != line.page:
            return True  # a paragraph carried over a page break
        wrap = self.wrap.get(style(line)[0])
        if wrap is None:
            return self.full(above)
        return above.y - line.y <= wrap + max(0.9, 0.1 * line.size)


def column_width(lines: Iterable[PdfLine]) -> float:
    """The widest line's extent in a column: what a full line is measured against."""
    return max((extent(line) for line in lines), default=1.0)


def paragraphs(lines: Sequence[PdfLine], spacing: Spacing) -> list[list[PdfLine]]:
    """Lines grouped into paragraphs: wrapped lines stay together, extra space starts a new one."""
    groups: list[list[PdfLine]] = []
    for line in lines:
        if groups and spacing.continues(groups[-1][-1], line):
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


def items(lines: Sequence[PdfLine], column: Spacing) -> list[list[PdfLine]]:
    """Lines grouped into list items (skills, languages, ...): one item a line unless it wraps.

    Items are further apart than the wrapped lines of one item; `column` (the spacing of the whole
    column) tells the two apart. Where the column shows no wrapped line to compare with, a line
    carries on the one above only if that one is full.
    """
    groups: list[list[PdfLine]] = []
    for line in lines:
        above = groups[-1][-1] if groups else None
        if above is not None and above.page == line.page and style(above) == style(line):
            size = style(line)[0]
            closest, widest = column.wrap.get(size, math.inf), column.widest.get(size, 0.0)
            tolerance = max(0.9, 0.1 * line.size)
            if widest - closest > tolerance:
                wrapped = above.y - line.y <= closest + tolerance
            else:
                wrapped = column.full(above) and not ends_sentence(above.text)
            if wrapped:
                groups[-1].append(line)
                continue
        groups.append([line])
    return groups


def join(parts: Iterable[str]) -> str:
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


def text_of(lines: Iterable[PdfLine]) -> str:
    return join(line.text for line in lines)
