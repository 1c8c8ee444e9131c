"""LinkedIn-style "Save to PDF" profile exports, written by hand with the standard library only.

`render_linkedin_pdf(profile)` returns the bytes of a PDF 1.4 file laid out like LinkedIn's
profile export: US Letter pages, a grey left column (Contact, Top Skills, Languages,
Certifications, Honors-Awards) and a main column (name, headline, location, Summary, Experience,
Education). Text uses the standard Helvetica / Helvetica-Bold fonts (WinAnsiEncoding), wraps at a
fixed column width mid-sentence as LinkedIn does, flows onto as many pages as needed, and every
page carries a "Page N of M" footer. The left column's text is written first in each content
stream, then the main column, then the footer, so plain text extraction yields the left column
before the main column, as with real exports. Output is deterministic for the same input and
creation date.

Profile schema (a JSON object; every key is optional except `name`)::

    {
      "name": "Full Name",
      "headline": "Staff Platform Engineer at Example",
      "location": "Lisbon, Portugal",
      "contact": {"email": "...", "phone": "...", "linkedin": "www.linkedin.com/in/...",
                  "address": "..."},
      "top_skills": ["Kubernetes", "..."],
      "languages": ["Swedish (Native or Bilingual)", "..."],
      "certifications": ["..."],
      "honors": ["..."],
      "summary": "Paragraphs separated by blank lines or newlines.",
      "experience": [
        {"company": "Example", "duration": "4 years 7 months",   # duration: optional, multi-role
         "roles": [{"title": "...", "start": "March 2021", "end": "Present",
                    "duration": "3 years 9 months", "location": "Lisbon, Portugal",
                    "description": "Text; newlines start new paragraphs."}]}
      ],
      "education": [{"school": "...", "degree": "Master of Science - MS, Computer Science",
                     "dates": "2012 - 2014"}]
    }

Exports differ by export date, language and content, so the layout is a `Style`: the font family
(Helvetica, Times, Courier, or one embedded-style "Unicode" font without a bold face, as recent
LinkedIn exports use), every size and weight, one or two columns, the line height and the space
between blocks, where pages end (and forced page breaks), and the printed labels (`Labels`: section
names and the footer, in the export's language). The default `Style()` is LinkedIn's English
two-column export; tests render many variants of it (tests/support/export_variants.py).

Run `python examples/linkedin_export.py` to regenerate persona/linkedin.pdf from
examples/linkedin_profile.json (with a fixed creation date, so the file is reproducible).
`render_blank_pdf()` and `render_image_only_pdf()` build PDFs without extractable text, for tests.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PROFILE = ROOT / "examples" / "linkedin_profile.json"
DEFAULT_OUTPUT = ROOT / "persona" / "linkedin.pdf"
#: The creation date main() stamps on the example persona's PDF, so regenerating it is reproducible.
EXAMPLE_CREATION_DATE = datetime(2024, 11, 18, 9, 30, 0, tzinfo=UTC)
PRODUCER = "twin examples/linkedin_export.py"

PAGE_WIDTH, PAGE_HEIGHT = 612.0, 792.0  # US Letter
TOP_Y, BOTTOM_Y, FOOTER_Y = 750.0, 56.0, 28.0
SIDEBAR_WIDTH = 200.0
LEFT_X, LEFT_WIDTH = 30.0, 150.0
MAIN_X, MAIN_WIDTH = 220.0, 360.0
SINGLE_X, SINGLE_WIDTH = 50.0, 500.0  # the one-column layout
LEADING = 1.3

Color = tuple[float, float, float]
DARK: Color = (0.094, 0.094, 0.094)
GREY: Color = (0.42, 0.42, 0.42)
SIDEBAR_FILL: Color = (0.953, 0.957, 0.965)

REGULAR, BOLD = "F1", "F2"
#: Base fonts of each family (regular, bold); "Unicode" is one font with no bold face.
FAMILIES = {
    "Helvetica": ("Helvetica", "Helvetica-Bold"),
    "Times": ("Times-Roman", "Times-Bold"),
    "Courier": ("Courier", "Courier-Bold"),
    "Unicode": ("EAAAAA+ArialUnicodeMS", "EAAAAA+ArialUnicodeMS"),
}


@dataclass(frozen=True)
class Labels:
    """What the export prints in its language: section names and the page footer."""

    contact: str = "Contact"
    skills: str = "Top Skills"
    languages: str = "Languages"
    certifications: str = "Certifications"
    honors: str = "Honors-Awards"
    summary: str = "Summary"
    experience: str = "Experience"
    education: str = "Education"
    page: str = "Page {page} of {pages}"


@dataclass(frozen=True)
class Style:
    """How an export looks; the defaults are LinkedIn's English two-column export."""

    font: str = "Helvetica"
    columns: int = 2
    #: One column only: the sidebar's sections (Contact, Top Skills, ...) come before Summary.
    sidebar_first: bool = True
    name_size: float = 26.0
    headline_size: float = 12.0
    location_size: float = 10.5
    heading_size: float = 15.5
    side_heading_size: float = 13.0
    company_size: float = 12.0
    title_size: float = 11.0
    body_size: float = 10.5
    side_size: float = 10.5
    bold_name: bool = True
    bold_headings: bool = True
    bold_companies: bool = True
    bold_titles: bool = True
    #: Line height as a multiple of the size, and a factor on the space between blocks.
    leading: float = LEADING
    gap: float = 1.0
    #: Keep headings, companies and titles on the page of what follows them.
    keep_together: bool = True
    #: Where the text of a page ends (higher: earlier page breaks).
    bottom: float = BOTTOM_Y
    #: Main-column lines (by index) forced to the top of a new page.
    breaks: frozenset[int] = field(default_factory=frozenset)
    labels: Labels = field(default_factory=Labels)

    def weight(self, bold: bool) -> str:
        return BOLD if bold and self.font != "Unicode" else REGULAR


# Standard Helvetica advance widths (1/1000 em) for the printable ASCII range 32..126.
_HELVETICA = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 "
    "556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 "
    "667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 333 556 556 500 556 556 278 556 "
    "556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 722 500 500 500 334 260 334 584"
)
_HELVETICA_BOLD = (
    "278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 "
    "556 556 333 333 584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 611 833 722 778 "
    "667 778 722 667 611 722 667 944 667 667 611 333 278 333 584 556 333 556 611 556 611 556 333 611 "
    "611 278 278 556 278 889 611 611 611 611 389 556 333 611 556 778 556 556 500 389 280 389 584"
)
_WIDTHS = {
    REGULAR: dict(zip(range(32, 127), map(int, _HELVETICA.split()), strict=True)),
    BOLD: dict(zip(range(32, 127), map(int, _HELVETICA_BOLD.split()), strict=True)),
}


@dataclass(frozen=True)
class Line:
    """One line of text to place in a column, with the space above it."""

    text: str
    font: str = REGULAR
    size: float = 10.5
    color: Color = DARK
    space_before: float = 0.0
    keep_with_next: int = 0  # how many following lines must land on the same page
    leading: float = LEADING

    @property
    def height(self) -> float:
        """The vertical advance of this line, without space_before."""
        return self.size * self.leading


@dataclass(frozen=True)
class Placed:
    """A line at its final position on a page."""

    x: float
    y: float
    line: Line


def text_width(text: str, font: str, size: float, family: str = "Helvetica") -> float:
    """The rendered width of `text` in points, from the standard font metrics.

    Courier is monospaced; Times and the Unicode font are measured as Helvetica (wider than Times,
    so a line never overflows its column).
    """
    if family == "Courier":
        return len(text) * 600 * size / 1000.0
    widths = _WIDTHS[font]
    total = 0
    for char in text:
        code = ord(char)
        if code not in widths:
            base = unicodedata.normalize("NFKD", char)[:1]
            code = ord(base) if base else 0
        total += widths.get(code, 556)
    return total * size / 1000.0


def wrap(text: str, font: str, size: float, width: float, family: str = "Helvetica") -> list[str]:
    """Greedy word wrap at a fixed width; over-long words are split by character."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, font, size, family) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while text_width(word, font, size, family) > width:
            cut = len(word) - 1
            while cut > 1 and text_width(word[:cut], font, size, family) > width:
                cut -= 1
            breaks = [i + 1 for i, char in enumerate(word[:cut]) if char in "-/" and i + 1 < cut]
            cut = breaks[-1] if breaks else cut  # prefer breaking after a hyphen or slash
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def _paragraphs(text: str) -> list[str]:
    return [part.strip() for part in str(text).splitlines() if part.strip()]


class _Column:
    """Lines of one column being written in one style: blocks wrap at the column's width."""

    def __init__(self, style: Style, width: float) -> None:
        self.style = style
        self.width = width
        self.lines: list[Line] = []

    def block(
        self,
        text: str,
        *,
        size: float,
        bold: bool = False,
        color: Color = DARK,
        space_before: float = 0.0,
        keep: int = 0,
    ) -> None:
        """`text` wrapped into lines; the first line gets the space and keep-with-next settings."""
        font = self.style.weight(bold)
        first = True
        for index, paragraph in enumerate(_paragraphs(text)):
            for row, chunk in enumerate(wrap(paragraph, font, size, self.width, self.style.font)):
                before = 0.0
                if row == 0:
                    before = space_before if index == 0 else size * 0.6
                self.lines.append(
                    Line(
                        chunk,
                        font,
                        size,
                        color,
                        before * self.style.gap,
                        keep_with_next=keep if first and self.style.keep_together else 0,
                        leading=self.style.leading,
                    )
                )
                first = False

    def item(self, text: str, *, size: float) -> None:
        """A sidebar entry: its wrapped lines stay on one page, as LinkedIn keeps them."""
        start = len(self.lines)
        self.block(text, size=size, space_before=3)
        rest = len(self.lines) - start - 1
        if rest:
            self.lines[start] = dataclasses.replace(self.lines[start], keep_with_next=rest)

    def keep_last(self, count: int) -> None:
        """The last line stays on the page of the `count` lines after it."""
        if self.lines and self.style.keep_together:
            self.lines[-1] = dataclasses.replace(self.lines[-1], keep_with_next=count)


def _sidebar(profile: dict[str, Any], out: _Column) -> None:
    """The sidebar's sections: Contact, Top Skills, Languages, Certifications, Honors-Awards."""
    style, labels = out.style, out.style.labels

    def heading(title: str) -> None:
        size = style.side_heading_size
        out.block(title, size=size, bold=style.bold_headings, space_before=14 if out.lines else 0, keep=1)

    contact = profile.get("contact") or {}
    candidates = [
        contact.get("email"),
        f"{contact['phone']} (Mobile)" if contact.get("phone") else None,
        f"{contact['linkedin']} (LinkedIn)" if contact.get("linkedin") else None,
        contact.get("address"),
    ]
    entries = [str(entry) for entry in candidates if entry]
    if entries:
        heading(labels.contact)
        for entry in entries:
            out.item(entry, size=style.side_size)
    for title, key in (
        (labels.skills, "top_skills"),
        (labels.languages, "languages"),
        (labels.certifications, "certifications"),
        (labels.honors, "honors"),
    ):
        items = [str(item) for item in profile.get(key) or [] if str(item).strip()]
        if items:
            heading(title)
            for item in items:
                out.item(item, size=style.side_size)


def _intro(profile: dict[str, Any], out: _Column) -> None:
    """Name, headline and location, at the top of the main column."""
    style = out.style
    out.block(str(profile["name"]), size=style.name_size, bold=style.bold_name)
    if profile.get("headline"):
        out.block(profile["headline"], size=style.headline_size, space_before=4)
    if profile.get("location"):
        out.block(profile["location"], size=style.location_size, color=GREY, space_before=4)


def _main(profile: dict[str, Any], out: _Column) -> None:
    """The main column's sections: Summary, Experience, Education."""
    style, labels = out.style, out.style.labels

    def heading(title: str) -> None:
        out.block(title, size=style.heading_size, bold=style.bold_headings, space_before=22, keep=1)

    if profile.get("summary"):
        heading(labels.summary)
        out.block(profile["summary"], size=style.body_size, space_before=4)

    experience = profile.get("experience") or []
    if experience:
        heading(labels.experience)
        for number, company in enumerate(experience):
            gap = 6 if number == 0 else 16
            bold = style.bold_companies
            out.block(company["company"], size=style.company_size, bold=bold, space_before=gap)
            out.keep_last(2)
            if company.get("duration"):
                out.block(company["duration"], size=style.body_size, color=GREY, space_before=1)
            for index, role in enumerate(company.get("roles") or []):
                _role(role, out, first=index == 0)

    education = profile.get("education") or []
    if education:
        heading(labels.education)
        for number, school in enumerate(education):
            gap = 6 if number == 0 else 12
            if school.get("school"):
                bold = style.bold_companies
                out.block(school["school"], size=style.company_size, bold=bold, space_before=gap)
                out.keep_last(1)
            detail = str(school.get("degree") or "")
            if school.get("dates"):
                detail = f"{detail} \u00b7 ({school['dates']})" if detail else f"({school['dates']})"
            if detail:
                before = 2 if school.get("school") else gap
                out.block(detail, size=style.body_size, space_before=before)


def _role(role: dict[str, Any], out: _Column, *, first: bool) -> None:
    """One role: title, date line, location, then the description paragraphs."""
    style = out.style
    out.block(role["title"], size=style.title_size, bold=style.bold_titles, space_before=4 if first else 12)
    out.keep_last(2)
    dates = " - ".join(str(part) for part in (role.get("start"), role.get("end")) if part)
    if role.get("duration"):
        dates = f"{dates} ({role['duration']})" if dates else f"({role['duration']})"
    if dates:
        out.block(dates, size=style.body_size, color=GREY, space_before=2)
    if role.get("location"):
        out.block(role["location"], size=style.body_size, color=GREY, space_before=1)
    if role.get("description"):
        out.block(role["description"], size=style.body_size, space_before=4)


def flow(
    lines: Sequence[Line], x: float, *, bottom: float = BOTTOM_Y, breaks: frozenset[int] = frozenset()
) -> list[list[Placed]]:
    """Lines laid out top to bottom at `x`, onto as many pages as they need.

    A line listed in `breaks` (by index) starts a new page.
    """
    pages: list[list[Placed]] = [[]]
    y = TOP_Y
    for index, line in enumerate(lines):
        at_top = not pages[-1]
        before = 0.0 if at_top else line.space_before
        needed = before + line.height
        for follower in lines[index + 1 : index + 1 + line.keep_with_next]:
            needed += follower.space_before + follower.height
        if not at_top and (y - needed < bottom or index in breaks):
            pages.append([])
            y, before = TOP_Y, 0.0
        y -= before + line.height
        pages[-1].append(Placed(x, y + line.size * (line.leading - 1), line))
    return pages if pages[-1] or len(pages) == 1 else pages[:-1]


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def pdf_string(text: str) -> str:
    """A PDF literal string in WinAnsiEncoding, with (, ) and \\ escaped and non-ASCII as octal."""
    out = []
    for byte in text.encode("cp1252", errors="replace"):
        char = chr(byte)
        if char in "()\\":
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return "(" + "".join(out) + ")"


def _info_string(text: str) -> str:
    """A document-info text string: literal when ASCII, else UTF-16BE hex with a byte-order mark."""
    if text.isascii():
        return pdf_string(text)
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


class _Encoding:
    """How text is written: WinAnsi literals for the standard fonts, or 2-byte glyph ids mapped
    back to Unicode by a ToUnicode CMap (an embedded-style font, as recent exports use)."""

    def __init__(self, family: str, texts: Iterable[str] = ()) -> None:
        self.unicode = family == "Unicode"
        self.glyphs = {char: index for index, char in enumerate(sorted(set("".join(texts))), start=1)}

    def string(self, text: str) -> str:
        if not self.unicode:
            return pdf_string(text)
        return "<" + "".join(f"{self.glyphs[char]:04X}" for char in text) + ">"

    def to_unicode(self) -> bytes:
        """The ToUnicode CMap of the glyph ids `string` wrote."""
        pairs = [f"<{gid:04X}> <{ord(char):04X}>" for char, gid in self.glyphs.items() if ord(char) < 0x10000]
        chunks = [pairs[i : i + 100] for i in range(0, len(pairs), 100)]
        ranges = "".join(
            f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar\n" for chunk in chunks
        )
        return (
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            f"{ranges}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
        ).encode("latin-1")


def _text_op(placed: Placed, encoding: _Encoding | None = None) -> str:
    line = placed.line
    r, g, b = (_num(c) for c in line.color)
    text = encoding.string(line.text) if encoding else pdf_string(line.text)
    at = f"{_num(placed.x)} {_num(placed.y)}"
    return f"BT /{line.font} {_num(line.size)} Tf {r} {g} {b} rg {at} Td {text} Tj ET"


def pdf_date(moment: datetime) -> str:
    """A PDF date string, D:YYYYMMDDHHmmSS+00'00', in UTC (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")


class _PdfWriter:
    """Numbered objects, then a classic xref table and trailer."""

    def __init__(self, *, compress: bool) -> None:
        self.compress = compress
        self.objects: list[bytes] = []

    def reserve(self) -> int:
        self.objects.append(b"")
        return len(self.objects)

    def set(self, number: int, body: str | bytes) -> int:
        self.objects[number - 1] = body.encode("latin-1") if isinstance(body, str) else body
        return number

    def add(self, body: str | bytes) -> int:
        return self.set(self.reserve(), body)

    def add_stream(self, data: bytes, entries: str = "", *, compress: bool | None = None) -> int:
        if self.compress if compress is None else compress:
            data = zlib.compress(data, 9)
            entries = f"{entries} /Filter /FlateDecode".strip()
        head = f"<< {entries} /Length {len(data)} >>".replace("<<  ", "<< ")
        return self.add(head.encode("latin-1") + b"\nstream\n" + data + b"\nendstream")

    def finish(self, root: int, info: int) -> bytes:
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(self.objects, start=1):
            offsets.append(len(out))
            out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(self.objects) + 1}\n0000000000 65535 f \n".encode()
        for offset in offsets:
            out += f"{offset:010d} 00000 n \n".encode()
        file_id = hashlib.md5(bytes(out[:xref]), usedforsecurity=False).hexdigest().upper()
        out += (
            f"trailer\n<< /Size {len(self.objects) + 1} /Root {root} 0 R /Info {info} 0 R "
            f"/ID [<{file_id}> <{file_id}>] >>\nstartxref\n{xref}\n%%EOF\n"
        ).encode()
        return bytes(out)


def _fonts(writer: _PdfWriter, family: str, encoding: _Encoding) -> tuple[int, int]:
    """The regular and bold font objects of `family` (one and the same for "Unicode")."""
    if family == "Unicode":
        cmap = writer.add_stream(encoding.to_unicode())
        descendant = writer.add(
            f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{FAMILIES[family][0]} "
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 556 >>"
        )
        font = writer.add(
            f"<< /Type /Font /Subtype /Type0 /BaseFont /{FAMILIES[family][0]} /Encoding /Identity-H "
            f"/DescendantFonts [{descendant} 0 R] /ToUnicode {cmap} 0 R >>"
        )
        return font, font
    regular, bold = (
        writer.add(f"<< /Type /Font /Subtype /Type1 /BaseFont /{name} /Encoding /WinAnsiEncoding >>")
        for name in FAMILIES[family]
    )
    return regular, bold


def _document(
    streams: Iterable[bytes],
    *,
    title: str,
    creation_date: datetime,
    compress: bool = True,
    xobjects: Sequence[tuple[str, bytes, str]] = (),
    family: str = "Helvetica",
    encoding: _Encoding | None = None,
) -> bytes:
    """A PDF whose pages draw `streams` with the fonts of `family` and any image XObjects."""
    writer = _PdfWriter(compress=compress)
    catalog, pages = writer.reserve(), writer.reserve()
    regular, bold = _fonts(writer, family, encoding or _Encoding(family))
    images = " ".join(
        f"/{name} {writer.add_stream(data, entries, compress=False)} 0 R" for name, data, entries in xobjects
    )
    resources = f"<< /Font << /{REGULAR} {regular} 0 R /{BOLD} {bold} 0 R >>"
    resources += f" /XObject << {images} >> >>" if images else " >>"
    kids = []
    for stream in streams:
        content = writer.add_stream(stream)
        kids.append(
            writer.add(
                f"<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 {_num(PAGE_WIDTH)} {_num(PAGE_HEIGHT)}] "
                f"/Resources {resources} /Contents {content} 0 R >>"
            )
        )
    writer.set(pages, f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>")
    writer.set(catalog, f"<< /Type /Catalog /Pages {pages} 0 R >>")
    date = pdf_date(creation_date)
    info = writer.add(
        f"<< /Producer {_info_string(PRODUCER)} /Title {_info_string(title)} "
        f"/CreationDate {pdf_string(date)} /ModDate {pdf_string(date)} >>"
    )
    return writer.finish(catalog, info)


def render_linkedin_pdf(
    profile: dict[str, Any],
    *,
    creation_date: datetime | None = None,
    compress: bool = True,
    style: Style | None = None,
) -> bytes:
    """The profile as a LinkedIn-style export PDF, laid out as `style` says (default: LinkedIn's).

    `creation_date` becomes /CreationDate (UTC); when None the current time is used, so pass a
    date for byte-identical output. `compress=False` leaves content streams readable.
    """
    if not str(profile.get("name") or "").strip():
        raise ValueError("the profile needs a `name`")
    style = style or Style()
    if style.columns == 2:
        side, main = _Column(style, LEFT_WIDTH), _Column(style, MAIN_WIDTH)
        _sidebar(profile, side)
        _intro(profile, main)
        _main(profile, main)
        left = flow(side.lines, LEFT_X, bottom=style.bottom)
        right = flow(main.lines, MAIN_X, bottom=style.bottom, breaks=style.breaks)
        footer_center = MAIN_X + MAIN_WIDTH / 2
    else:
        single = _Column(style, SINGLE_WIDTH)
        _intro(profile, single)
        if style.sidebar_first:
            _sidebar(profile, single)
            _main(profile, single)
        else:
            _main(profile, single)
            _sidebar(profile, single)
        left, right = [], flow(single.lines, SINGLE_X, bottom=style.bottom, breaks=style.breaks)
        footer_center = PAGE_WIDTH / 2
    total = max(len(left), len(right))
    footers = [style.labels.page.format(page=number + 1, pages=total) for number in range(total)]
    texts = [p.line.text for page in left + right for p in page] + footers
    encoding = _Encoding(style.font, texts)
    streams = []
    for number in range(total):
        left_page = left[number] if number < len(left) else []
        main_page = right[number] if number < len(right) else []
        ops: list[str] = []
        if left_page:
            r, g, b = (_num(c) for c in SIDEBAR_FILL)
            ops.append(f"q {r} {g} {b} rg 0 0 {_num(SIDEBAR_WIDTH)} {_num(PAGE_HEIGHT)} re f Q")
        ops += [_text_op(placed, encoding) for placed in left_page]  # the sidebar first, as LinkedIn
        ops += [_text_op(placed, encoding) for placed in main_page]
        footer = footers[number]
        footer_x = footer_center - text_width(footer, REGULAR, 9, style.font) / 2
        ops.append(_text_op(Placed(footer_x, FOOTER_Y, Line(footer, REGULAR, 9, GREY)), encoding))
        streams.append(("\n".join(ops) + "\n").encode("latin-1"))
    when = creation_date if creation_date is not None else datetime.now(UTC)
    return _document(
        streams,
        title=str(profile["name"]),
        creation_date=when,
        compress=compress,
        family=style.font,
        encoding=encoding,
    )


def render_blank_pdf(*, creation_date: datetime = EXAMPLE_CREATION_DATE) -> bytes:
    """A one-page Letter PDF with an empty content stream: no text at all."""
    return _document([b""], title="Blank", creation_date=creation_date)


def render_image_only_pdf(*, creation_date: datetime = EXAMPLE_CREATION_DATE) -> bytes:
    """A one-page PDF showing only an image XObject (like a scanned export): no text."""
    size = 16
    pixels = bytearray()
    for row in range(size):
        for col in range(size):
            shade = 60 if (row // 4 + col // 4) % 2 else 200
            pixels += bytes((shade, shade, shade))
    image = (
        "Im1",
        bytes(pixels),
        f"/Type /XObject /Subtype /Image /Width {size} /Height {size} "
        "/ColorSpace /DeviceRGB /BitsPerComponent 8",
    )
    stream = b"q 400 0 0 520 106 136 cm /Im1 Do Q\n"
    return _document([stream], title="Scanned profile", creation_date=creation_date, xobjects=[image])


def main(argv: Sequence[str] | None = None) -> None:
    """Build persona/linkedin.pdf from examples/linkedin_profile.json with a fixed creation date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("profile", nargs="?", type=Path, default=DEFAULT_PROFILE)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    profile = json.loads(args.profile.read_text(encoding="utf-8"))
    pdf = render_linkedin_pdf(profile, creation_date=EXAMPLE_CREATION_DATE)
    args.output.write_bytes(pdf)
    print(f"wrote {args.output} ({len(pdf)} bytes)")


if __name__ == "__main__":
    main()
