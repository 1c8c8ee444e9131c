"""`linkedin_pdf`: a LinkedIn "Save to PDF" profile export, parsed into profile sections."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from persona_sources.builtin.linkedin_profile import Profile, read_profile
from persona_sources.builtin.pdf_lines import read_pdf_lines
from persona_sources.errors import SourceError
from persona_sources.hookspecs import hookimpl
from persona_sources.model import Section, SourceContext, SourceType

TYPE = "linkedin_pdf"
LIST_TITLES = {
    "skills": "Top skills",
    "languages": "Languages",
    "certifications": "Certifications",
    "honors": "Honors and awards",
    "publications": "Publications",
    "patents": "Patents",
}
EXTRA_TITLES = {
    "other": "More from my LinkedIn profile",
    "experience": "Experience (more)",
    "volunteering": "Volunteering",
    "projects": "Projects",
    "courses": "Courses",
}


class LinkedInOptions(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    #: Contact details (email, phone, addresses, profile URL) reach the persona only when true.
    include_contact: bool = False


def load_linkedin_pdf(ctx: SourceContext) -> list[Section]:
    """Profile sections; contact details only when the manifest sets `include_contact = true`."""
    include_contact = ctx.options(LinkedInOptions).include_contact
    document = read_pdf_lines(ctx.read_bytes())
    try:
        reading = read_profile(document.lines, document.page_width, document.created)
    except ValueError as exc:
        raise SourceError(f"not a LinkedIn profile export: {exc}") from None
    private = [] if include_contact else reading.private
    ctx.report_input(
        [line.text for line in document.lines if line not in private and line not in reading.headings],
        private=[line.text for line in private],
        skipped=[line.text for line in [*document.footers, *reading.headings]],
    )
    return profile_sections(reading.profile, ctx.spec.id, include_contact=include_contact)


def profile_sections(profile: Profile, source_id: str, *, include_contact: bool = False) -> list[Section]:
    """The profile as sections with provenance: one per position and school, one per list."""

    def section(title: str, text: str, kind: str, **extra: object) -> Section:
        return Section(
            source_id=source_id,
            source_type=TYPE,
            title=title,
            text=text,
            kind=kind,
            created=profile.created,
            **extra,  # type: ignore[arg-type]
        )

    current = next((p for p in profile.positions if p.current), None)
    facts = {"full_name": profile.name, "headline": profile.headline, "location": profile.location}
    if current:
        facts |= {"current_role": current.title, "current_employer": current.company}
    intro = [f"Name: {profile.name}"]
    intro += [f"Headline: {profile.headline}"] if profile.headline else []
    intro += [f"Location: {profile.location}"] if profile.location else []
    sections = [section("LinkedIn profile", "\n".join(intro), "profile", facts=_present(facts))]
    if profile.summary:
        sections.append(section("LinkedIn summary", "\n\n".join(profile.summary), "summary"))
    for index, position in enumerate(profile.positions):
        header = " at ".join(part for part in (position.title, position.company) if part) or "Position"
        details = ", ".join(part for part in (position.dates, position.location) if part)
        lines = [f"{header} ({details})." if details else f"{header}."]
        first_of_company = index == 0 or profile.positions[index - 1].company != position.company
        if position.company_duration and first_of_company:
            lines.append(f"{position.company}: {position.company_duration} in all.")
        fields = {
            "company": position.company,
            "title": position.title,
            "start": position.start,
            "end": position.end,
            "duration": position.duration,
            "location": position.location,
        }
        text = "\n\n".join([*lines, *position.description])
        sections.append(section(header, text, "experience", fields=_present(fields)))
    for school in profile.education:
        detail = ", ".join(part for part in (school.degree, school.dates) if part)
        name = school.school or school.degree or "School"
        text = f"{school.school}: {detail}." if school.school and detail else f"{school.school or detail}."
        fields = {"school": school.school, "degree": school.degree, "dates": school.dates}
        sections.append(section(f"Education: {name}", text, "education", fields=_present(fields)))
    for key, entries in profile.lists.items():
        title = LIST_TITLES.get(key, key.capitalize())
        sections.append(section(title, f"{title}: " + "; ".join(entries) + ".", key, items=entries))
    for extra in profile.extras:
        title = extra.heading or EXTRA_TITLES.get(extra.section, "More from my LinkedIn profile")
        kind = extra.section if extra.section in ("volunteering", "projects", "courses") else "text"
        sections.append(section(title, "\n\n".join(extra.paragraphs), kind))
    if include_contact and profile.contact:
        sections.append(section("Contact details", "Contact: " + "; ".join(profile.contact), "contact"))
    return sections


def _present(values: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in values.items() if value}


@hookimpl
def register_persona_sources(register: Callable[[SourceType], None]) -> None:
    register(
        SourceType(
            name=TYPE,
            load=load_linkedin_pdf,
            help=(
                'A LinkedIn "Save to PDF" profile export in any export language, parsed into profile, '
                "experience, education, skills, languages and certifications. Options: path, title, "
                "include_contact (default false: email, phone and addresses stay private)."
            ),
            options=LinkedInOptions,
            citation="my LinkedIn profile",
        )
    )
