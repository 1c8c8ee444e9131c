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

Run `python examples/linkedin_export.py` to regenerate persona/linkedin.pdf from
persona/linkedin_profile.json (with a fixed creation date, so the file is reproducible).
`render_blank_pdf()` and `render_image_only_pdf()` build PDFs without extractable text, for tests.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PROFILE = ROOT / "persona" / "linkedin_profile.json"
DEFAULT_OUTPUT = ROOT / "persona" / "linkedin.pdf"
#: The creation date main() stamps on the example persona's PDF, so regenerating it is reproducible.
EXAMPLE_CREATION_DATE = datetime(2024, 11, 18, 9, 30, 0, tzinfo=UTC)
PRODUCER = "twin examples/linkedin_export.py"

PAGE_WIDTH, PAGE_HEIGHT = 612.0, 792.0  # US Letter
TOP_Y, BOTTOM_Y, FOOTER_Y = 750.0, 56.0, 28.0
SIDEBAR_WIDTH = 200.0
LEFT_X, LEFT_WIDTH = 30.0, 150.0
MAIN_X, MAIN_WIDTH = 220.0, 360.0
LEADING = 1.3

Color = tuple[float, float, float]
DARK: Color = (0.094, 0.094, 0.094)
GREY: Color = (0.42, 0.42, 0.42)
SIDEBAR_FILL: Color = (0.953, 0.957, 0.965)

REGULAR, BOLD = "F1", "F2"

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

    @property
    def height(self) -> float:
        """The vertical advance of this line, without space_before."""
        return self.size * LEADING


@dataclass(frozen=True)
class Placed:
    """A line at its final position on a page."""

    x: float
    y: float
    line: Line


def text_width(text: str, font: str, size: float) -> float:
    """The rendered width of `text` in points, from the standard font metrics."""
    widths = _WIDTHS[font]
    total = 0
    for char in text:
        code = ord(char)
        if code not in widths:
            base = unicodedata.normalize("NFKD", char)[:1]
            code = ord(base) if base else 0
        total += widths.get(code, 556)
    return total * size / 1000.0


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap at a fixed width; over-long words are split by character."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, font, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while text_width(word, font, size) > width:
            cut = len(word) - 1
            while cut > 1 and text_width(word[:cut], font, size) > width:
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


def _block(
    text: str,
    width: float,
    *,
    font: str = REGULAR,
    size: float = 10.5,
    color: Color = DARK,
    space_before: float = 0.0,
    keep: int = 0,
) -> list[Line]:
    """`text` wrapped into lines; the first line gets the space and keep-with-next settings."""
    lines: list[Line] = []
    for index, paragraph in enumerate(_paragraphs(text)):
        for row, chunk in enumerate(wrap(paragraph, font, size, width)):
            before = 0.0
            if row == 0:
                before = space_before if index == 0 else size * 0.6
            lines.append(Line(chunk, font, size, color, before, keep_with_next=keep if not lines else 0))
    return lines


def _left_lines(profile: dict[str, Any]) -> list[Line]:
    """The left column: Contact, Top Skills, Languages, Certifications, Honors-Awards."""
    lines: list[Line] = []
    width = LEFT_WIDTH

    def heading(title: str) -> None:
        lines.append(Line(title, BOLD, 13, DARK, space_before=14 if lines else 0, keep_with_next=1))

    contact = profile.get("contact") or {}
    candidates = [
        contact.get("email"),
        f"{contact['phone']} (Mobile)" if contact.get("phone") else None,
        f"{contact['linkedin']} (LinkedIn)" if contact.get("linkedin") else None,
        contact.get("address"),
    ]
    entries = [str(entry) for entry in candidates if entry]
    if entries:
        heading("Contact")
        for entry in entries:
            lines += _block(entry, width, space_before=3)
    for title, key in (
        ("Top Skills", "top_skills"),
        ("Languages", "languages"),
        ("Certifications", "certifications"),
        ("Honors-Awards", "honors"),
    ):
        items = [str(item) for item in profile.get(key) or [] if str(item).strip()]
        if items:
            heading(title)
            for item in items:
                lines += _block(item, width, space_before=3)
    return lines


def _main_lines(profile: dict[str, Any]) -> list[Line]:
    """The main column: name, headline, location, Summary, Experience, Education."""
    width = MAIN_WIDTH
    lines = _block(str(profile["name"]), width, font=BOLD, size=26)
    if profile.get("headline"):
        lines += _block(profile["headline"], width, size=12, space_before=4)
    if profile.get("location"):
        lines += _block(profile["location"], width, size=10.5, color=GREY, space_before=4)

    def heading(title: str) -> None:
        lines.append(Line(title, BOLD, 15.5, DARK, space_before=22, keep_with_next=1))

    if profile.get("summary"):
        heading("Summary")
        lines.extend(_block(profile["summary"], width, space_before=4))

    experience = profile.get("experience") or []
    if experience:
        heading("Experience")
        for number, company in enumerate(experience):
            gap = 6 if number == 0 else 16
            lines += _block(company["company"], width, font=BOLD, size=12, space_before=gap)
            lines[-1] = _keep(lines[-1], 2)
            if company.get("duration"):
                lines += _block(company["duration"], width, color=GREY, space_before=1)
            for index, role in enumerate(company.get("roles") or []):
                lines += _role_lines(role, width, first=index == 0)

    education = profile.get("education") or []
    if education:
        heading("Education")
        for number, school in enumerate(education):
            gap = 6 if number == 0 else 12
            lines += _block(school["school"], width, font=BOLD, size=12, space_before=gap)
            lines[-1] = _keep(lines[-1], 1)
            detail = str(school.get("degree") or "")
            if school.get("dates"):
                detail = f"{detail} \u00b7 ({school['dates']})" if detail else f"({school['dates']})"
            if detail:
                lines += _block(detail, width, space_before=2)
    return lines


def _role_lines(role: dict[str, Any], width: float, *, first: bool) -> list[Line]:
    """One role: title, date line, location, then the description paragraphs."""
    lines = _block(role["title"], width, font=BOLD, size=11, space_before=4 if first else 12)
    lines[-1] = _keep(lines[-1], 2)
    dates = " - ".join(str(part) for part in (role.get("start"), role.get("end")) if part)
    if role.get("duration"):
        dates = f"{dates} ({role['duration']})" if dates else f"({role['duration']})"
    if dates:
        lines += _block(dates, width, color=GREY, space_before=2)
    if role.get("location"):
        lines += _block(role["location"], width, color=GREY, space_before=1)
    if role.get("description"):
        lines += _block(role["description"], width, space_before=4)
    return lines


def _keep(line: Line, count: int) -> Line:
    return Line(line.text, line.font, line.size, line.color, line.space_before, count)


def flow(lines: Sequence[Line], x: float) -> list[list[Placed]]:
    """Lines laid out top to bottom at `x`, onto as many pages as they need."""
    pages: list[list[Placed]] = [[]]
    y = TOP_Y
    for index, line in enumerate(lines):
        at_top = not pages[-1]
        before = 0.0 if at_top else line.space_before
        needed = before + line.height
        for follower in lines[index + 1 : index + 1 + line.keep_with_next]:
            needed += follower.space_before + follower.height
        if not at_top and y - needed < BOTTOM_Y:
            pages.append([])
            y, before = TOP_Y, 0.0
        y -= before + line.height
        pages[-1].append(Placed(x, y + line.size * (LEADING - 1), line))
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


def _text_op(placed: Placed) -> str:
    line = placed.line
    r, g, b = (_num(c) for c in line.color)
    return (
        f"BT /{line.font} {_num(line.size)} Tf {r} {g} {b} rg "
        f"{_num(placed.x)} {_num(placed.y)} Td {pdf_string(line.text)} Tj ET"
    )


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


def _document(
    streams: Iterable[bytes],
    *,
    title: str,
    creation_date: datetime,
    compress: bool = True,
    xobjects: Sequence[tuple[str, bytes, str]] = (),
) -> bytes:
    """A PDF whose pages draw `streams` with the two Helvetica fonts and any image XObjects."""
    writer = _PdfWriter(compress=compress)
    catalog, pages = writer.reserve(), writer.reserve()
    regular = writer.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    bold = writer.add(
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
    )
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
    profile: dict[str, Any], *, creation_date: datetime | None = None, compress: bool = True
) -> bytes:
    """The profile as a LinkedIn-style export PDF.

    `creation_date` becomes /CreationDate (UTC); when None the current time is used, so pass a
    date for byte-identical output. `compress=False` leaves content streams readable.
    """
    if not str(profile.get("name") or "").strip():
        raise ValueError("the profile needs a `name`")
    left = flow(_left_lines(profile), LEFT_X)
    main = flow(_main_lines(profile), MAIN_X)
    total = max(len(left), len(main))
    streams = []
    for number in range(total):
        left_page = left[number] if number < len(left) else []
        main_page = main[number] if number < len(main) else []
        ops: list[str] = []
        if left_page:
            r, g, b = (_num(c) for c in SIDEBAR_FILL)
            ops.append(f"q {r} {g} {b} rg 0 0 {_num(SIDEBAR_WIDTH)} {_num(PAGE_HEIGHT)} re f Q")
        ops += [_text_op(placed) for placed in left_page]  # left column first, as LinkedIn writes it
        ops += [_text_op(placed) for placed in main_page]
        footer = f"Page {number + 1} of {total}"
        footer_x = MAIN_X + (MAIN_WIDTH - text_width(footer, REGULAR, 9)) / 2
        ops.append(_text_op(Placed(footer_x, FOOTER_Y, Line(footer, REGULAR, 9, GREY))))
        streams.append(("\n".join(ops) + "\n").encode("latin-1"))
    when = creation_date if creation_date is not None else datetime.now(UTC)
    return _document(streams, title=str(profile["name"]), creation_date=when, compress=compress)


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
    """Build persona/linkedin.pdf from persona/linkedin_profile.json with a fixed creation date."""
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
