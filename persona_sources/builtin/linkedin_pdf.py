"""`linkedin_pdf`: a LinkedIn "Save to PDF" profile export, parsed into profile sections."""

from __future__ import annotations

from collections.abc import Callable

from persona_sources.builtin.linkedin_profile import Profile, parse_profile
from persona_sources.builtin.pdf_lines import read_pdf_lines
from persona_sources.errors import SourceError
from persona_sources.hookspecs import hookimpl
from persona_sources.model import Section, SourceContext, SourceType

LIST_TITLES = {
    "skills": "Top skills",
    "languages": "Languages",
    "certifications": "Certifications",
    "honors": "Honors and awards",
    "publications": "Publications",
    "patents": "Patents",
}


def load_linkedin_pdf(ctx: SourceContext) -> list[Section]:
    """Profile sections; contact details only when the manifest sets `include_contact = true`."""
    include_contact = ctx.spec.options.get("include_contact", False)
    if not isinstance(include_contact, bool):
        raise SourceError("option `include_contact` must be true or false")
    document = read_pdf_lines(ctx.read_bytes())
    try:
        profile = parse_profile(document.lines, document.page_width, document.created)
    except ValueError as exc:
        raise SourceError(f"not a LinkedIn profile export: {exc}") from None
    return profile_sections(profile, ctx.spec.id, include_contact=include_contact)


def profile_sections(profile: Profile, source_id: str, *, include_contact: bool = False) -> list[Section]:
    """The profile as sections with provenance: one per position and school, one per list."""

    def section(title: str, text: str, kind: str, **extra: object) -> Section:
        return Section(
            source_id=source_id,
            source_type="linkedin_pdf",
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
    for position in profile.positions:
        header = f"{position.title} at {position.company}"
        details = ", ".join(part for part in (position.dates, position.location) if part)
        text = f"{header} ({details})." if details else f"{header}."
        fields = {
            "company": position.company,
            "title": position.title,
            "start": position.start,
            "end": position.end,
            "location": position.location,
        }
        sections.append(
            section(
                header,
                "\n\n".join([text, *position.description]),
                "experience",
                fields=_present(fields),
            )
        )
    for school in profile.education:
        detail = ", ".join(part for part in (school.degree, school.dates) if part)
        text = f"{school.school}: {detail}." if detail else f"{school.school}."
        fields = {"school": school.school, "degree": school.degree, "dates": school.dates}
        sections.append(section(f"Education: {school.school}", text, "education", fields=_present(fields)))
    for key, items in profile.lists.items():
        title = LIST_TITLES.get(key, key.capitalize())
        sections.append(section(title, f"{title}: " + "; ".join(items) + ".", key))
    if include_contact and profile.contact:
        sections.append(section("Contact details", "Contact: " + "; ".join(profile.contact), "contact"))
    return sections


def _present(values: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in values.items() if value}


@hookimpl
def register_persona_sources(register: Callable[[SourceType], None]) -> None:
    register(
        SourceType(
            name="linkedin_pdf",
            load=load_linkedin_pdf,
            help=(
                'A LinkedIn "Save to PDF" profile export, parsed into profile, experience, education, '
                "skills, languages and certifications. Options: path, title, include_contact "
                "(default false: email, phone and addresses stay private)."
            ),
        )
    )
