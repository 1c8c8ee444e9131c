"""`json_resume`: a JSON Resume (https://jsonresume.org/schema) `resume.json` as persona sections.

A complete twin plugin: one `register_persona_sources` hook implementation, declared in this
package's pyproject.toml under the `twin.persona_sources` entry-point group. Its options are a
Struct the host checks (`include_contact`); it tells the host which strings it read so `twin
persona check` can measure how much reached the persona; list sections carry their items.
`basics.email`, `basics.phone` and the street address stay private unless the manifest entry sets
`include_contact = true`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import msgspec

from persona_sources import Section, SourceContext, SourceError, SourceType, hookimpl

TYPE = "json_resume"
#: Where the resume's contact details live; they stay out of the persona unless opted in.
PRIVATE = ("email", "phone", "url")


class ResumeOptions(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    #: Email, phone, URL and street address reach the persona only when true.
    include_contact: bool = False


def load_json_resume(ctx: SourceContext) -> list[Section]:
    include_contact = ctx.options(ResumeOptions).include_contact
    try:
        resume = msgspec.json.decode(ctx.read_bytes())
    except msgspec.DecodeError as exc:
        raise SourceError(f"not valid JSON ({exc})") from None
    if not isinstance(resume, dict) or not isinstance(resume.get("basics"), dict):
        raise SourceError("not a JSON Resume: expected an object with a `basics` object")
    basics = resume["basics"]
    if not _text(basics.get("name")):
        raise SourceError("`basics.name` is required")

    def section(title: str, text: str, kind: str, **extra: Any) -> Section:
        return Section(source_id=ctx.spec.id, source_type=TYPE, title=title, text=text, kind=kind, **extra)

    current = next((job for job in _list(resume, "work") if not _text(job.get("endDate"))), None)
    location = _location(basics.get("location"), include_street=include_contact)
    facts = {
        "full_name": _text(basics.get("name")),
        "headline": _text(basics.get("label")),
        "location": location,
    }
    if current:
        facts |= {
            "current_role": _text(current.get("position")),
            "current_employer": _text(current.get("name")),
        }
    intro = [f"{_label(k)}: {v}" for k, v in facts.items() if v]
    sections = [
        section("Résumé profile", "\n".join(intro), "profile", facts={k: v for k, v in facts.items() if v})
    ]
    if _text(basics.get("summary")):
        sections.append(section("Résumé summary", _text(basics["summary"]), "summary"))
    for job in _list(resume, "work"):
        title = f"{_text(job.get('position'))} at {_text(job.get('name'))}"
        dates = _dates(job)
        lines = [f"{title}" + (f" ({dates})." if dates else ".")]
        lines += [_text(job.get("summary"))] if _text(job.get("summary")) else []
        lines += [f"- {_text(h)}" for h in job.get("highlights") or [] if _text(h)]
        fields = {
            "company": _text(job.get("name")),
            "title": _text(job.get("position")),
            "start": _text(job.get("startDate")),
            "end": _text(job.get("endDate")) or "Present",
        }
        sections.append(section(title, "\n\n".join(lines), "experience", fields=fields))
    for school in _list(resume, "education"):
        name = _text(school.get("institution"))
        degree = ", ".join(_text(school.get(k)) for k in ("studyType", "area") if _text(school.get(k)))
        dates = _dates(school)
        detail = ", ".join(part for part in (degree, dates) if part)
        sections.append(
            section(
                f"Education: {name}",
                f"{name}: {detail}." if detail else f"{name}.",
                "education",
                fields={"school": name, "degree": degree, "dates": dates},
            )
        )
    for title, kind, entries in (
        ("Skills", "skills", [_skill(s) for s in _list(resume, "skills")]),
        (
            "Languages",
            "languages",
            [_join(_text(x.get("language")), _text(x.get("fluency"))) for x in _list(resume, "languages")],
        ),
        (
            "Certifications",
            "certifications",
            [_join(_text(c.get("name")), _text(c.get("issuer"))) for c in _list(resume, "certificates")],
        ),
    ):
        if entries:
            text = f"{title}: " + "; ".join(entries) + "."
            sections.append(section(title, text, kind, items=tuple(entries)))
    for project in _list(resume, "projects"):
        name = _text(project.get("name"))
        body = " ".join(
            filter(None, [_text(project.get("description")), *map(_text, project.get("highlights") or [])])
        )
        if name:
            sections.append(section(f"Project: {name}", f"{name}: {body}" if body else name, "text"))
    contact = [_text(basics.get(k)) for k in PRIVATE if _text(basics.get(k))]
    if include_contact and contact:
        sections.append(section("Contact details", "Contact: " + "; ".join(contact), "contact"))
    private = [] if include_contact else [*contact, _text((basics.get("location") or {}).get("address"))]
    ctx.report_input(_strings(resume, skip=set(private)), private=[p for p in private if p])
    return sections


def _strings(value: object, skip: set[str]) -> list[str]:
    """Every text value in the resume (what coverage is measured on), private ones left out."""
    if isinstance(value, dict):
        return [text for key, item in value.items() if key not in _NOT_TEXT for text in _strings(item, skip)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item, skip)]
    text = _text(value)
    return [text] if text and text not in skip else []


#: Values that are identifiers or links rather than text about the person.
_NOT_TEXT = frozenset({"countryCode", "network", "username", "url", "profiles"})


def _list(resume: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = resume.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise SourceError(f"`{key}` must be a list of objects")
    return value


def _text(value: object) -> str:
    return " ".join(str(value).split()) if isinstance(value, (str, int, float)) else ""


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _join(first: str, second: str) -> str:
    return f"{first} ({second})" if first and second else first or second


def _dates(entry: dict[str, Any]) -> str:
    start, end = _text(entry.get("startDate")), _text(entry.get("endDate"))
    return f"{start} - {end or 'Present'}" if start else end


def _skill(skill: dict[str, Any]) -> str:
    keywords = ", ".join(_text(k) for k in skill.get("keywords") or [] if _text(k))
    return _join(_text(skill.get("name")), keywords)


def _location(value: object, *, include_street: bool) -> str:
    if not isinstance(value, dict):
        return ""
    keys: Iterable[str] = (
        ("address", "city", "region", "countryCode") if include_street else ("city", "region", "countryCode")
    )
    return ", ".join(_text(value.get(k)) for k in keys if _text(value.get(k)))


@hookimpl
def register_persona_sources(register: Callable[[SourceType], None]) -> None:
    register(
        SourceType(
            name=TYPE,
            load=load_json_resume,
            help=(
                "A JSON Resume (jsonresume.org) resume.json. Options: path, title, include_contact "
                "(default false: email, phone and street address stay private)."
            ),
            options=ResumeOptions,
            citation="my résumé",
        )
    )
