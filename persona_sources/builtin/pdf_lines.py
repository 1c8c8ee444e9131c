"""Positioned text lines from a PDF: what a layout-aware parser needs and plain extraction loses."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from io import BytesIO
from typing import Any

import msgspec

from persona_sources.errors import SourceError

#: A page footer in any language ("Page 2 of 3", "Seite 2 von 3", "Página 2 de 3"); it is one only
#: when the numbers are its own page's and the page count, so a sentence never matches.
_FOOTER = re.compile(r"^\s*[^\W\d_]{2,12}\.?\s+(\d{1,3})\s+[^\W\d_]{1,4}\.?\s+(\d{1,3})\s*$")
_SPACE = re.compile(r"\s+")


class PdfLine(msgspec.Struct, frozen=True):
    """One line of text on a page, with its position (points from the bottom left) and font."""

    page: int
    x: float
    y: float
    size: float
    bold: bool
    text: str


class PdfDocument(msgspec.Struct, frozen=True):
    """A PDF's text lines in drawing order (footers set apart), its page size and creation date."""

    lines: tuple[PdfLine, ...]
    page_width: float
    created: datetime | None = None
    pages: int = 1
    footers: tuple[PdfLine, ...] = ()


def read_pdf_lines(data: bytes) -> PdfDocument:
    """Every text line of the PDF, with page footers ("Page N of M" in any language) set apart.

    Raises: SourceError for what is not a PDF, an encrypted or broken PDF, or one without text.
    """
    if not data.lstrip().startswith(b"%PDF"):
        raise SourceError("not a PDF file")
    from pypdf import PdfReader  # imported here: a compiled persona never needs pypdf
    from pypdf.errors import PdfReadError

    lines: list[PdfLine] = []
    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted:
            raise SourceError("the PDF is encrypted; export it again without a password")
        width = float(reader.pages[0].mediabox.width) if reader.pages else 612.0
        chunks = [_page_chunks(page, number) for number, page in enumerate(reader.pages, start=1)]
        # A chunk starting where many lines start begins a line of its own (another column's line
        # on the same baseline), however close it follows the previous chunk in the drawing order.
        edges = Counter(round(chunk.x) for page in chunks for chunk in page)
        for page in chunks:
            lines.extend(_merged(page, edges))
        created = _creation_date(reader)
        pages = len(reader.pages)
    except SourceError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise SourceError(f"the PDF cannot be read ({type(exc).__name__}: {exc})") from None
    footers = [line for line in lines if is_footer(line, pages)]
    lines = [line for line in lines if line not in footers]
    if not lines:
        raise SourceError("the PDF has no text (is it a scan or an image-only export?)")
    return PdfDocument(
        lines=tuple(lines), page_width=width, created=created, pages=pages, footers=tuple(footers)
    )


def is_footer(line: PdfLine, pages: int) -> bool:
    """Whether `line` is its page's "Page N of M" footer (N its page, M the page count)."""
    match = _FOOTER.match(line.text)
    return match is not None and (int(match[1]), int(match[2])) == (line.page, pages)


def _page_chunks(page: Any, number: int) -> list[PdfLine]:
    """The page's text chunks in drawing order, each with its position, size and weight."""
    chunks: list[PdfLine] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(tm[3] * cm[3]) or 1.0
        name = str(font.get("/BaseFont", "")) if font else ""
        bold = "bold" in name.lower() or "black" in name.lower()
        clean = _SPACE.sub(" ", text).strip()
        chunks.append(PdfLine(number, round(x, 2), round(y, 2), round(size * scale, 2), bold, clean))

    page.extract_text(visitor_text=visit)
    return chunks


def _merged(chunks: list[PdfLine], edges: Counter[int]) -> list[PdfLine]:
    """Chunks merged into lines: same size and baseline, left to right; a chunk that starts at a
    column's edge, well after where the one before ends, is another column's line."""
    merged: list[PdfLine] = []
    for chunk in chunks:
        last = merged[-1] if merged else None
        if last and abs(last.y - chunk.y) < 0.5 and last.size == chunk.size and chunk.x > last.x:
            ends = last.x + 0.5 * len(last.text) * last.size  # characters average half their size
            if edges[round(chunk.x)] < 3 or chunk.x - ends < 1.5 * last.size:
                merged[-1] = msgspec.structs.replace(last, text=f"{last.text} {chunk.text}")
                continue
        merged.append(chunk)
    return merged


def _creation_date(reader: Any) -> datetime | None:
    try:
        created = reader.metadata.creation_date if reader.metadata else None
    except (ValueError, TypeError):
        return None
    return created if isinstance(created, datetime) else None
