"""`linkedin_pdf`: a LinkedIn "Save to PDF" profile export."""

from __future__ import annotations

import re
from collections.abc import Callable
from io import BytesIO

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from persona_sources.errors import SourceError
from persona_sources.hookspecs import hookimpl
from persona_sources.model import Section, SourceContext, SourceType

_FOOTER = re.compile(r"^\s*Page \d+ of \d+\s*$", re.MULTILINE)


def extract_pdf_text(data: bytes) -> str:
    """The PDF's text with page footers removed; clear errors for what is not a readable PDF."""
    if not data.lstrip().startswith(b"%PDF"):
        raise SourceError("not a PDF file")
    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted:
            raise SourceError("the PDF is encrypted; export it again without a password")
        pages = [page.extract_text() or "" for page in reader.pages]
    except SourceError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise SourceError(f"the PDF cannot be read ({exc})") from None
    text = "\n".join(_FOOTER.sub("", page) for page in pages)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if not text:
        raise SourceError("the PDF has no text (is it a scan or an image-only export?)")
    return text


def load_linkedin_pdf(ctx: SourceContext) -> list[Section]:
    text = extract_pdf_text(ctx.read_bytes())
    return [
        Section(
            source_id=ctx.spec.id,
            source_type="linkedin_pdf",
            title=ctx.spec.title or "LinkedIn profile",
            text=text,
        )
    ]


@hookimpl
def register_persona_sources(register: Callable[[SourceType], None]) -> None:
    register(
        SourceType(
            name="linkedin_pdf",
            load=load_linkedin_pdf,
            help='A LinkedIn "Save to PDF" profile export. Options: path, title.',
        )
    )
