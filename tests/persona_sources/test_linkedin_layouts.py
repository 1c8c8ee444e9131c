"""LinkedIn exports as they really differ: fonts, sizes, weights, columns, page breaks, languages.

The exports of the issue that lost a profile (small sidebar headings with regular companies, a
German export, a one-column export in one font) and the shapes the parser must read by content:
several roles under one company, a role split by a page break, schools with and without dates,
a headline that wraps, section names in any case and without accents.
"""

from __future__ import annotations

import copy
import itertools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from persona_sources import Persona, load_persona
from persona_sources.builtin.linkedin_profile import Profile, parse_profile
from persona_sources.builtin.pdf_lines import read_pdf_lines
from tests.conftest import EXAMPLE_PERSONA
from tests.support.export_variants import LANGUAGES, write_persona
from tests.support.linkedin import generator

CREATED = datetime(2026, 2, 1, tzinfo=UTC)
FREJA: dict[str, Any] = json.loads(
    (EXAMPLE_PERSONA.parent / "examples" / "linkedin_profile.json").read_text(encoding="utf-8")
)

GERMAN: dict[str, Any] = {
    "name": "Jörg Müller-Lüdenscheidt",
    "headline": "Leiter Plattformtechnik bei Nordwind GmbH",
    "location": "Hamburg, Hamburg, Deutschland",
    "contact": {
        "email": "joerg@example.de",
        "phone": "+49 40 123456",
        "linkedin": "www.linkedin.com/in/jm-l",
    },
    "top_skills": ["Kubernetes", "Go", "Teamführung"],
    "languages": ["Deutsch (Muttersprache oder zweisprachig)", "Englisch (Verhandlungssicher)"],
    "certifications": ["Certified Kubernetes Administrator (CKA)"],
    "summary": "Ich baue Plattformen, auf denen andere Teams schnell und sicher liefern.",
    "experience": [
        {
            "company": "Nordwind GmbH",
            "duration": "3 Jahre 9 Monate",
            "roles": [
                {
                    "title": "Leiter Plattformtechnik",
                    "start": "Januar 2023",
                    "end": "Heute",
                    "duration": "1 Jahr 11 Monate",
                    "location": "Hamburg, Deutschland",
                    "description": "Führe zwei Teams mit elf Menschen.\nHabe die Kosten um 30 % gesenkt.",
                },
                {
                    "title": "Softwareentwickler",
                    "start": "April 2021",
                    "end": "Dezember 2022",
                    "duration": "1 Jahr 9 Monate",
                    "description": "Baute die Abrechnung neu in Go.",
                },
            ],
        },
        {
            "company": "Fjord Data AS",
            "roles": [
                {
                    "title": "Werkstudent",
                    "start": "März 2019",
                    "end": "März 2021",
                    "duration": "2 Jahre 1 Monat",
                }
            ],
        },
    ],
    "education": [
        {
            "school": "Technische Universität München",
            "degree": "Master of Science - MS, Informatik",
            "dates": "2017 - 2019",
        },
        {"school": "Universität Hamburg"},
    ],
}


def render(profile: dict[str, Any], **style: Any) -> bytes:
    g = generator()
    return g.render_linkedin_pdf(profile, creation_date=CREATED, style=g.Style(**style))  # type: ignore[no-any-return]


def parse(pdf: bytes) -> Profile:
    document = read_pdf_lines(pdf)
    return parse_profile(document.lines, document.page_width)


def persona_of(tmp_path: Path, pdf: bytes) -> Persona:
    return load_persona(write_persona(tmp_path / "persona", pdf))


def positions(profile: Profile) -> list[tuple[str, str, str, str]]:
    return [(p.company, p.title, p.start, p.end) for p in profile.positions]


FREJA_POSITIONS = [
    ("Corvina Pay", "Staff Platform Engineer", "March 2021", "Present"),
    ("Nordlys Freight", "Senior Platform Engineer", "January 2019", "February 2021"),
    ("Nordlys Freight", "Software Engineer, Infrastructure", "August 2016", "December 2018"),
    ("Lumenfall Studios", "Backend Developer", "June 2014", "July 2016"),
]


def assert_whole_freja(profile: Profile) -> None:
    """Everything the issue's first export lost: positions, schools, every list."""
    assert positions(profile) == FREJA_POSITIONS
    assert profile.positions[0].description[0].startswith("Technical lead for Harbour")
    assert [s.school for s in profile.education] == [
        "KTH Royal Institute of Technology",
        "Uppsala University",
    ]
    assert profile.lists == {
        "skills": tuple(FREJA["top_skills"]),
        "languages": tuple(FREJA["languages"]),
        "certifications": tuple(FREJA["certifications"]),
        "honors": tuple(FREJA["honors"]),
    }
    assert (profile.headline, profile.location) == (FREJA["headline"], FREJA["location"])


def test_small_sidebar_headings_and_regular_companies_lose_nothing(tmp_path: Path) -> None:
    pdf = render(FREJA, side_heading_size=11, heading_size=14, bold_companies=False, bold_titles=False)
    assert_whole_freja(parse(pdf))
    persona = persona_of(tmp_path, pdf)
    assert persona.facts["current_employer"] == "Corvina Pay"
    assert persona.coverage[0].ratio == 1.0


def test_a_one_column_export_in_one_font_with_bold_section_names_only_is_read(tmp_path: Path) -> None:
    pdf = render(
        FREJA,
        columns=1,
        bold_name=False,
        bold_companies=False,
        bold_titles=False,
        name_size=10.5,
        headline_size=10.5,
        location_size=10.5,
        heading_size=10.5,
        side_heading_size=10.5,
        company_size=10.5,
        title_size=10.5,
    )
    profile = parse(pdf)
    assert profile.name == "Freja Holmqvist"
    assert_whole_freja(profile)


def test_an_export_in_one_embedded_font_without_bold_like_recent_exports_is_read() -> None:
    """The seed repository's real export: one ArialUnicodeMS font, no bold, headline and location
    in one size, summary in 12 pt, descriptions spaced wider than the sidebar's lines."""
    profile = parse(
        render(FREJA, font="Unicode", location_size=12, heading_size=15.75, title_size=11.5, leading=1.5)
    )
    assert_whole_freja(profile)


def test_a_german_export_is_read_in_german() -> None:
    labels = generator().Labels(**LANGUAGES["de"].labels)
    profile = parse(render(GERMAN, labels=labels))
    assert positions(profile) == [
        ("Nordwind GmbH", "Leiter Plattformtechnik", "Januar 2023", "Heute"),
        ("Nordwind GmbH", "Softwareentwickler", "April 2021", "Dezember 2022"),
        ("Fjord Data AS", "Werkstudent", "März 2019", "März 2021"),
    ]
    current = profile.positions[0]
    assert (
        current.current
        and current.duration == "1 Jahr 11 Monate"
        and current.location == "Hamburg, Deutschland"
    )
    assert current.company_duration == "3 Jahre 9 Monate"
    assert current.description == ("Führe zwei Teams mit elf Menschen.", "Habe die Kosten um 30 % gesenkt.")
    assert profile.lists["languages"] == (
        "Deutsch (Muttersprache oder zweisprachig)",
        "Englisch (Verhandlungssicher)",
    )
    assert profile.lists["skills"] == ("Kubernetes", "Go", "Teamführung")
    assert profile.summary == (GERMAN["summary"],)
    assert [(s.school, s.degree, s.dates) for s in profile.education] == [
        ("Technische Universität München", "Master of Science - MS, Informatik", "2017 - 2019"),
        ("Universität Hamburg", "", ""),
    ]
    assert "joerg@example.de" in profile.contact[0]


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_section_names_and_dates_are_read_in_every_export_language(code: str) -> None:
    language = LANGUAGES[code]
    profile = copy.deepcopy(GERMAN)
    role = profile["experience"][0]["roles"][0]
    role |= {"start": language.date(1, 2023), "end": language.present, "duration": language.duration(23)}
    parsed = parse(render(profile, labels=generator().Labels(**language.labels)))
    assert parsed.positions[0].current and parsed.positions[0].start == language.date(1, 2023)
    assert parsed.positions[0].duration == language.duration(23)
    assert parsed.lists["skills"] == ("Kubernetes", "Go", "Teamführung") and len(parsed.education) == 2
    assert parsed.summary == (GERMAN["summary"],)


def test_section_names_are_case_and_accent_insensitive() -> None:
    labels = generator().Labels(
        summary="EXTRACTO",
        experience="experiencia",
        education="EDUCACION",
        skills="Aptitudes Principales",
        languages="IDIOMAS",
        contact="contactar",
    )
    profile = parse(render(FREJA, labels=labels))
    assert positions(profile) == FREJA_POSITIONS and len(profile.education) == 2
    assert profile.summary and profile.lists["languages"] == tuple(FREJA["languages"])
    assert not any("freja.holmqvist@example.com" in text for text in profile.summary)


def _split(profile: dict[str, Any], first: str, then: str | None, **style: Any) -> bytes:
    """The export with a page break forced between the lines starting `first` and `then` (None:
    the line after `first`)."""
    if then is None:
        lines = read_pdf_lines(render(profile, **style)).lines
        then = next(b.text for a, b in itertools.pairwise(lines) if a.text.startswith(first))
    for index in range(1, 80):
        pdf = render(profile, keep_together=False, breaks=frozenset({index}), **style)
        lines = read_pdf_lines(pdf).lines
        a = next(line for line in lines if line.text.startswith(first))
        b = next(line for line in lines if line.text.startswith(then))
        if a.page + 1 == b.page:
            return pdf
    raise AssertionError(f"no page break falls between {first!r} and {then!r}")


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("Senior Platform Engineer", "January 2019"),  # between a title and its dates
        ("Nordlys Freight", "4 years 7 months"),  # between a company and its total
        ("Lumenfall Studios", "Backend Developer"),  # between a company and its only role
        ("Technical lead for Harbour", None),  # inside a description paragraph
    ],
)
def test_a_role_split_by_a_page_break_stays_one_position(first: str, then: str | None) -> None:
    profile = copy.deepcopy(FREJA)
    profile["experience"][0]["roles"][0]["description"] = (
        "Technical lead for Harbour, Corvina Pay's internal developer platform, and the platform group "
        "of nine engineers in two teams across two countries."
    )
    parsed = parse(_split(profile, first, then, bold_companies=False, bold_titles=False))
    assert positions(parsed) == FREJA_POSITIONS
    assert parsed.positions[1].company_duration == "4 years 7 months"
    assert parsed.positions[0].description == (profile["experience"][0]["roles"][0]["description"],)


@pytest.mark.parametrize("styled", [True, False], ids=["bold-names", "one-style"])
def test_schools_with_and_without_degrees_and_dates(styled: bool) -> None:
    profile = {
        "name": "Ada Example",
        "education": [
            {
                "school": "KTH Royal Institute of Technology",
                "degree": "Master of Science - MS",
                "dates": "2012 - 2014",
            },
            {"school": "Uppsala University", "degree": "Bachelor of Science - BS"},
            {"school": "Katedralskolan", "dates": "2006 - 2009"},
        ],
    }
    parsed = parse(render(profile, bold_companies=styled, company_size=12 if styled else 10.5))
    assert [(s.school, s.degree, s.dates) for s in parsed.education] == [
        ("KTH Royal Institute of Technology", "Master of Science - MS", "2012 - 2014"),
        ("Uppsala University", "Bachelor of Science - BS", ""),
        ("Katedralskolan", "", "2006 - 2009"),
    ]


@pytest.mark.parametrize(
    ("headline", "location"),
    [
        (
            "Staff Platform Engineer at Corvina Pay | Kubernetes, developer platforms, reliability, on-call "
            "health and platforms run like products",
            "Lisbon, Lisbon, Portugal",
        ),
        (
            "Staff Platform Engineer at Corvina Pay | Kubernetes, developer platforms, reliability, on-call "
            "health, Platform Strategy",
            "",
        ),
        ("Staff Platform Engineer", ""),
        ("", "Greater Lisbon Area"),
    ],
    ids=["wrapped-headline-and-location", "wrapped-headline-only", "headline-only", "location-only"],
)
@pytest.mark.parametrize("same_size", [True, False], ids=["one-size", "smaller-location"])
def test_headline_and_location_are_told_apart(headline: str, location: str, same_size: bool) -> None:
    profile = {"name": "Freja Holmqvist", "headline": headline, "location": location, "top_skills": ["Go"]}
    parsed = parse(render(profile, location_size=12 if same_size else 10.5))
    assert (parsed.headline, parsed.location) == (headline, location)


def test_sections_an_export_lacks_are_simply_absent(tmp_path: Path) -> None:
    profile = {"name": "Ada Example", "experience": FREJA["experience"][:1]}
    persona = persona_of(tmp_path, render(profile, columns=1))
    assert [s.kind for s in persona.sections] == ["profile", "experience"]
    assert persona.facts["current_role"] == "Staff Platform Engineer"


@pytest.mark.parametrize(
    ("profile", "style"),
    [
        (FREJA, {"side_heading_size": 11, "heading_size": 14, "bold_companies": False, "bold_titles": False}),
        (GERMAN, {"labels": "de"}),
        (FREJA, {"columns": 1, "bold_name": False, "bold_companies": False, "bold_titles": False,
                 "name_size": 10.5, "headline_size": 10.5, "heading_size": 10.5, "company_size": 10.5}),
    ],
    ids=["small-sidebar-headings", "german", "one-column-one-font"],
)  # fmt: skip
def test_the_issues_exports_pass_persona_check_with_every_word_and_no_contact(
    tmp_path: Path, profile: dict[str, Any], style: dict[str, Any]
) -> None:
    from datetime import timedelta

    from persona_sources.check import check_persona

    if style.get("labels") == "de":
        style = style | {"labels": generator().Labels(**LANGUAGES["de"].labels)}
    persona_dir = write_persona(tmp_path / "persona", render(profile, **style))
    report = check_persona(
        persona_dir, count_tokens=len, prompt_budget=10**6, max_age=timedelta(days=10**4), now=CREATED
    )
    assert report.findings == () and report.persona is not None
    [coverage] = report.coverage
    assert coverage.words == coverage.covered and coverage.private >= 3
    for value in profile["contact"].values():
        assert value not in report.persona.prompt
