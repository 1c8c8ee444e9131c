"""A page layout read from positions alone: columns, reading order, and which lines wrap.

Fonts differ between exports (one font for everything, bold or not, any size), so nothing here
needs a font: columns come from where lines start, wrapped lines from the spacing between lines of
one style and from how full a line is. Size and weight only tell lines apart where they differ.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence

from persona_sources.builtin.pdf_lines import PdfLine

#: Lines of one style: the size (to the half point) and weight.
Style = tuple[float, bool]
BULLETS = ("•", "-", "*", "\u2013", "·", "▪", "◦", "‣")  # \u2013: an en dash
_SENTENCE_END = (".", "!", "?", "…", ":", ";")
_CARRIED = ("-", "/", "&", ",")
_CARRYING = ("\u2013", "-", "(", "&", "/")
_ABBREVIATIONS = frozenset({"inc.", "ltd.", "co.", "corp.", "llc.", "plc.", "bros.", "jr.", "sr.", "st."})
#: The largest line height exports use, as a multiple of the size (LinkedIn's descriptions: 1.71).
MAX_LINE_HEIGHT = 1.75
#: A line this much of the widest line's extent is full: the next one may continue it.
FULL = 0.75


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


def column_points(cols: Sequence[Sequence[PdfLine]], page_width: float) -> list[float]:
    """Each column's width in points, from where it and the next one start (the right margin taken
    as the left one, at most 40 points: a lone main column may start far right of it)."""
    lefts = [min(line.x for line in column) for column in cols]
    margin = min(lefts[0], 40.0) if lefts else 0.0
    rights = [*lefts[1:], page_width - margin]
    return [max(right - left, 1.0) for left, right in zip(lefts, rights, strict=True)]


def ends_sentence(text: str) -> bool:
    """Whether `text` ends a sentence; an abbreviation such as "Inc." or "B.V." does not."""
    words = text.split()
    if not words or not words[-1].endswith(_SENTENCE_END):
        return False
    last = words[-1]
    abbreviation = last.endswith(".") and ("." in last[:-1] or last.lower() in _ABBREVIATIONS)
    return not abbreviation


def extent(line: PdfLine) -> float:
    """A rough width of the line's text (characters times size), enough to compare lines."""
    return len(line.text) * line.size


class Widths:
    """How wide a full line of a column is, to tell a wrapped line (full) from a paragraph's last.

    Widths are compared as characters times size, against the column's widest line, or, where no
    line is long (a short profile), against what fills the column's `points` (characters average
    half their size in width or more).
    """

    def __init__(self, lines: Iterable[PdfLine], points: float = 0.0) -> None:
        self.column = max(max((extent(line) for line in lines), default=1.0), 1.6 * points)

    def full(self, line: PdfLine) -> bool:
        return extent(line) >= FULL * self.column


class Spacing:
    """How lines of one stretch of text are spaced: what a wrapped line looks like there.

    `wrap` holds, per size, the smallest distance below a full line to the next line of its style
    (lines listed in `skip` left out, such as dates and titles): the line height inside a wrapped
    paragraph. Exports differ (1.2 to 1.7 times the size), so it is measured, never assumed; a
    stretch with no wrapped line of a size takes it from the `fallbacks` (its column, the page).
    """

    def __init__(
        self,
        lines: Sequence[PdfLine],
        width: Widths,
        skip: Iterable[int] = (),
        apart: Iterable[int] = (),
        fallbacks: Sequence[Spacing] = (),
    ) -> None:
        self.fallbacks = tuple(fallbacks)
        skipped = set(skip)
        separate = set(apart)  # lines not compared with the line before them (a new stretch)
        wrapped: dict[float, list[float]] = {}
        self.width = width
        self.wrap: dict[float, float] = {}
        #: The smallest and largest distance between consecutive lines of one style, per size.
        self.closest: dict[float, float] = {}
        self.widest: dict[float, float] = {}
        #: The distance below lines that end in "-", "/", "&" or ",": wrapped for certain.
        self.carried: dict[float, float] = {}
        #: The smallest line height of any size, as a multiple of the size.
        for index in range(1, len(lines)):
            above, line = lines[index - 1], lines[index]
            if index in skipped or index - 1 in skipped or index in separate:
                continue
            if above.page != line.page or style(above) != style(line) or above.y <= line.y:
                continue
            size = style(line)[0]
            self.widest[size] = max(self.widest.get(size, 0.0), above.y - line.y)
            self.closest[size] = min(self.closest.get(size, math.inf), above.y - line.y)
            if above.text.endswith(_CARRIED):  # the text itself says the line wrapped
                self.carried[size] = min(self.carried.get(size, math.inf), above.y - line.y)
            if width.full(above) and not ends_sentence(above.text):  # a line that wrapped
                self.wrap[size] = min(self.wrap.get(size, math.inf), above.y - line.y)
                wrapped.setdefault(size, []).append(above.y - line.y)
        #: How many wrapped lines show each size's line height: one alone may be a short gap.
        self.support = {
            size: sum(d <= self.wrap[size] + max(0.9, 0.1 * size) for d in found)
            for size, found in wrapped.items()
        }
        #: The smallest line height of any size seen on two wrapped lines or more, as a multiple of
        #: the size.
        self.ratio: float | None = min(
            (wrap / size for size, wrap in self.wrap.items() if self.support[size] >= 2), default=None
        )

    def full(self, line: PdfLine) -> bool:
        """Whether the line reaches (nearly) across its column, as a wrapped line does."""
        return self.width.full(line)

    def line_height(self, size: float, *, own: bool = True) -> float | None:
        """The height of a wrapped line of `size`: measured here on two lines or more, else so by
        the first fallback; else scaled from another size's (measured so); else (unless `own` is
        False: then only what others measured counts) the smallest seen once here or in a fallback
        (each an upper bound: a full line may still end its paragraph), at most the largest line
        height exports use; else None."""
        if own and self.support.get(size, 0) >= 2:
            return self.wrap[size]
        elsewhere = next((f.wrap[size] for f in self.fallbacks if f.support.get(size, 0) >= 2), None)
        if elsewhere is not None:
            return elsewhere
        ratios = [r for r in ([self.ratio] if own else []) + [f.ratio for f in self.fallbacks] if r]
        if ratios:
            return ratios[0] * size
        seen = [f.wrap[size] for f in (self, *self.fallbacks) if size in f.wrap]
        return min([*seen, MAX_LINE_HEIGHT * size]) if own and seen else None

    def continues(self, above: PdfLine, line: PdfLine) -> bool:
        """Whether `line` carries on `above`'s paragraph (a wrapped line, not a new paragraph).

        Only a full line wraps, and it wraps at the paragraph's line height; across a page break a
        full line that does not end a sentence carries on.
        """
        if style(above) != style(line) or line.text.startswith(BULLETS) or not self.full(above):
            return False
        if above.page != line.page:
            return not ends_sentence(above.text)
        wrap = self.line_height(style(line)[0])
        return wrap is None or above.y - line.y <= wrap + max(0.9, 0.1 * line.size)


def paragraphs(
    lines: Sequence[PdfLine], spacing: Spacing, ends: Callable[[PdfLine], bool] = lambda line: False
) -> list[list[PdfLine]]:
    """Lines grouped into paragraphs: wrapped lines stay together, extra space starts a new one,
    and so does whatever follows a line `ends` says closes its paragraph."""
    groups: list[list[PdfLine]] = []
    for line in lines:
        above = groups[-1][-1] if groups else None
        if above is not None and not ends(above) and spacing.continues(above, line):
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


def items(lines: Sequence[PdfLine], column: Spacing) -> list[list[PdfLine]]:
    """Lines grouped into list items (skills, languages, ...): one item a line unless it wraps.

    Items are further apart than the wrapped lines of one item; `column` (the spacing of every list
    in the column) tells the two apart. Where all its lines are evenly spaced, a line the text says
    wrapped (a URL split at "-") shows the line height, else running text in the column does (its
    fallbacks), and failing that the line above being full
    or the text carrying on (a line ending in "-", "/", "&" or ",", the next one starting in lower
    case or with a dash or a bracket).
    """
    groups: list[list[PdfLine]] = []
    for line in lines:
        above = groups[-1][-1] if groups else None
        if above is not None and above.page == line.page and style(above) == style(line):
            size = style(line)[0]
            closest, widest = column.closest.get(size, math.inf), column.widest.get(size, 0.0)
            tolerance = max(0.9, 0.1 * line.size)
            elsewhere = column.line_height(size, own=False)
            known = column.carried.get(size)
            if widest - closest > tolerance:
                wrapped = above.y - line.y <= closest + tolerance
            elif known is not None:
                wrapped = above.y - line.y <= known + tolerance
            elif elsewhere is not None:
                wrapped = above.y - line.y <= elsewhere + tolerance
            else:
                wrapped = (
                    (column.full(above) and not ends_sentence(above.text))
                    or above.text.endswith(_CARRIED)
                    or line.text.startswith(_CARRYING)
                    or line.text[:1].islower()
                )
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
