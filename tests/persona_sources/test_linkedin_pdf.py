"""A LinkedIn export is read as a profile: structured entries, re-joined lines, private contacts."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from persona_sources import PersonaError, Section, load_persona
from tests.support.linkedin import generator

CREATED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LONG = (
    "Designed the observability stack for three product lines, running Prometheus, Grafana and "
    "OpenTelemetry collectors across every cluster, and taught the teams to write useful alerts."
)
PROFILE = {
    "name": "Ines Testa",
    "headline": "Engineering Manager at Quillon Systems | distributed systems, hiring, teams that ship",
    "location": "Porto, Portugal",
    "contact": {
        "email": "ines.testa@example.net",
        "phone": "+351 911 111 111",
        "linkedin": "www.linkedin.com/in/ines-testa-example-profile",
        "address": "Rua Privada 9, Porto",
    },
    "top_skills": ["Distributed Systems", "Go", "Hiring"],
    "languages": ["Portuguese (Native or Bilingual)", "English (Full Professional)"],
    "certifications": ["Certified Kubernetes Application Developer (CKAD) and a very long certification"],
    "summary": "I lead teams that build payment systems.\nBefore that I wrote a lot of Go.",
    "experience": [
        {
            "company": "Quillon Systems",
            "duration": "5 years 2 months",
            "roles": [
                {
                    "title": "Engineering Manager",
                    "start": "January 2023",
                    "end": "Present",
                    "duration": "3 years 3 months",
                    "location": "Porto, Portugal",
                    "description": LONG + "\nHired eleven engineers.",
                },
                {
                    "title": "Senior Software Engineer",
                    "start": "February 2021",
                    "end": "December 2022",
                    "duration": "1 year 11 months",
                    "location": "Porto, Portugal",
                    "description": LONG * 4,
                },
            ],
        },
        {
            "company": "Verdana Labs",
            "roles": [
                {
                    "title": "Software Engineer",
                    "start": "2016",
                    "end": "2021",
                    "location": "Lisbon, Portugal",
                    "description": (LONG + "\n") * 6,
                }
            ],
        },
        {
            "company": "Osso Games",
            "roles": [{"title": "Intern", "start": "June 2015", "end": "September 2015"}],
        },
    ],
    "education": [
        {
            "school": "University of Porto",
            "degree": "Master of Science - MS, Informatics",
            "dates": "2013 - 2015",
        }
    ],
}


def export(tmp_path: Path, pdf: bytes, manifest_extra: str = "") -> Path:
    (tmp_path / "profile.pdf").write_bytes(pdf)
    (tmp_path / "persona.toml").write_text(
        f'[[sources]]\nid = "linkedin"\ntype = "linkedin_pdf"\npath = "profile.pdf"\n{manifest_extra}'
    )
    return tmp_path


@pytest.fixture
def pdf() -> bytes:
    return generator().render_linkedin_pdf(PROFILE, creation_date=CREATED)  # type: ignore[no-any-return]


def sections_of(persona_dir: Path) -> list[Section]:
    return list(load_persona(persona_dir).sections)


def test_the_generated_export_has_two_pages_and_footers(pdf: bytes) -> None:
    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) >= 2
    assert "Page 1 of" in reader.pages[0].extract_text()


def test_positions_are_parsed_with_company_title_dates_location_and_description(
    tmp_path: Path, pdf: bytes
) -> None:
    experience = [s for s in sections_of(export(tmp_path, pdf)) if s.kind == "experience"]
    assert [(s.fields["company"], s.fields["title"]) for s in experience] == [
        ("Quillon Systems", "Engineering Manager"),
        ("Quillon Systems", "Senior Software Engineer"),
        ("Verdana Labs", "Software Engineer"),
        ("Osso Games", "Intern"),
    ]
    manager = experience[0]
    assert manager.fields | {} == {
        "company": "Quillon Systems",
        "title": "Engineering Manager",
        "start": "January 2023",
        "end": "Present",
        "duration": "3 years 3 months",
        "location": "Porto, Portugal",
    }
    assert LONG in manager.text  # wrapped lines re-joined into the original sentence
    assert "Hired eleven engineers." in manager.text
    assert experience[2].fields["start"] == "2016"
    assert "location" not in experience[3].fields


def test_description_spanning_a_page_break_stays_whole_and_footers_are_gone(
    tmp_path: Path, pdf: bytes
) -> None:
    sections = sections_of(export(tmp_path, pdf))
    text = "\n".join(s.text for s in sections)
    assert "Page 1 of" not in text and "Page 2 of" not in text
    verdana = next(s for s in sections if s.fields.get("company") == "Verdana Labs")
    assert verdana.text.count(LONG) == 6


def test_profile_education_and_lists(tmp_path: Path, pdf: bytes) -> None:
    sections = {s.kind: s for s in sections_of(export(tmp_path, pdf))}
    assert sections["profile"].facts == {
        "full_name": "Ines Testa",
        "headline": PROFILE["headline"],
        "location": "Porto, Portugal",
        "current_role": "Engineering Manager",
        "current_employer": "Quillon Systems",
    }
    assert sections["education"].fields == {
        "school": "University of Porto",
        "degree": "Master of Science - MS, Informatics",
        "dates": "2013 - 2015",
    }
    assert sections["skills"].text == "Top skills: Distributed Systems; Go; Hiring."
    assert "Portuguese (Native or Bilingual); English (Full Professional)" in sections["languages"].text
    assert PROFILE["certifications"][0] in sections["certifications"].text  # type: ignore[index]
    assert (
        sections["summary"].text
        == "I lead teams that build payment systems.\n\nBefore that I wrote a lot of Go."
    )
    assert all(s.created == CREATED for s in sections.values())


def test_contact_details_are_private_by_default(tmp_path: Path, pdf: bytes) -> None:
    persona = load_persona(export(tmp_path, pdf))
    for private in ("ines.testa@example.net", "911 111 111", "Rua Privada", "ines-testa-example"):
        assert private not in persona.prompt


def test_contact_details_reach_the_prompt_when_the_owner_opts_in(tmp_path: Path, pdf: bytes) -> None:
    persona = load_persona(export(tmp_path, pdf, "include_contact = true\n"))
    contact = next(s for s in persona.sections if s.kind == "contact")
    assert "ines.testa@example.net" in contact.text
    assert "www.linkedin.com/in/ines-testa-example-profile (LinkedIn)" in contact.text  # URL re-joined
    assert "ines.testa@example.net" in persona.prompt


def test_include_contact_must_be_a_boolean(tmp_path: Path, pdf: bytes) -> None:
    with pytest.raises(PersonaError, match="include_contact"):
        load_persona(export(tmp_path, pdf, 'include_contact = "yes"\n'))


def _encrypted(pdf: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf)))
    writer.encrypt("secret", algorithm="RC4-128")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda pdf: b"", "file is empty"),
        (lambda pdf: generator().render_blank_pdf(), "has no text"),
        (lambda pdf: generator().render_image_only_pdf(), "image-only"),
        (lambda pdf: b"Name,Title\nInes,Manager\n", "not a PDF"),
        (lambda pdf: pdf[: len(pdf) // 3], "cannot be read|has no text"),
        (_encrypted, "encrypted"),
    ],
    ids=["empty-file", "empty-pdf", "image-only", "not-a-pdf", "truncated", "encrypted"],
)
def test_malformed_exports_are_clear_errors_naming_the_file(
    tmp_path: Path, pdf: bytes, make, message
) -> None:  # type: ignore[no-untyped-def]
    export(tmp_path, make(pdf))
    with pytest.raises(PersonaError, match=message) as caught:
        load_persona(tmp_path)
    assert "profile.pdf" in str(caught.value) and "'linkedin'" in str(caught.value)


def test_an_export_whose_headings_it_cannot_read_is_refused_not_guessed(tmp_path: Path) -> None:
    """An Indonesian export: read anyway, its experience became the headline and its postal address
    (contact details are private by default) reached the prompt."""
    make = generator()
    labels = make.Labels(
        contact="Kontak", skills="Keahlian Teratas", languages="Bahasa", certifications="Sertifikasi",
        honors="Penghargaan", summary="Ringkasan", experience="Pengalaman", education="Pendidikan",
        page="Halaman {page} dari {pages}",
    )  # fmt: skip
    pdf = make.render_linkedin_pdf(PROFILE, creation_date=CREATED, style=make.Style(labels=labels))
    export(tmp_path, pdf)
    with pytest.raises(PersonaError) as caught:
        load_persona(tmp_path)
    assert "'linkedin'" in str(caught.value) and "not a LinkedIn profile export" in str(caught.value)
    assert "none of its section headings (Contact, Summary, Experience, Education, ...)" in str(caught.value)
    assert "English, German, French" in str(caught.value)


def test_example_persona_export_is_parsed(tmp_path: Path) -> None:
    persona = load_persona(Path(__file__).resolve().parents[2] / "persona")
    nordlys = [s.fields["title"] for s in persona.sections if s.fields.get("company") == "Nordlys Freight"]
    assert nordlys == ["Senior Platform Engineer", "Software Engineer, Infrastructure"]


def test_suggested_questions_are_derived_from_the_profile(tmp_path: Path, pdf: bytes) -> None:
    questions = load_persona(export(tmp_path, pdf)).suggested_questions
    assert 3 <= len(questions) <= 5
    assert questions[:3] == (
        "What do you do at Quillon Systems?",
        "What did you work on at Verdana Labs?",
        "How have you used Distributed Systems?",
    )
