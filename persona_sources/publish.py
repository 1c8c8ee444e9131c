"""`twin persona publish`: the same public facts as schema.org JSON-LD and an llms.txt.

Search engines, AI crawlers and the twin then say the same things about the owner. Only public
sections and facts are used: whatever a source keeps private never reached the persona.
"""

from __future__ import annotations

from typing import Any

import msgspec

from persona_sources.model import Persona, Section

#: Section kinds these files carry; other sections (and a plugin's own kinds) are left out and
#: `twin persona publish` says so.
PUBLISHED_KINDS = (
    "profile", "summary", "experience", "education", "skills", "languages", "certifications", "honors",
)  # fmt: skip
#: What the JSON-LD names as the platform of the twin's MCP endpoint.
MCP_SPEC = "https://modelcontextprotocol.io"


def _of_kind(persona: Persona, kind: str) -> list[Section]:
    return [s for s in persona.sections if s.kind == kind]


def person_jsonld(persona: Persona, mcp_url: str | None = None) -> dict[str, Any]:
    """A schema.org `Person` for the owner's pages (`<script type="application/ld+json">`); with
    `mcp_url`, asking the twin over MCP is its `potentialAction`."""
    facts = persona.facts
    person: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": persona.full_name,
    }
    if persona.headline:
        person["description"] = persona.headline
    if persona.website:
        person["url"] = persona.website
    if persona.avatar_url:
        person["image"] = persona.avatar_url
    if facts.get("current_role"):
        person["jobTitle"] = facts["current_role"]
    if facts.get("current_employer"):
        person["worksFor"] = {"@type": "Organization", "name": facts["current_employer"]}
    if facts.get("location"):
        person["address"] = {"@type": "PostalAddress", "addressLocality": facts["location"]}
    schools = [s.fields["school"] for s in _of_kind(persona, "education") if s.fields.get("school")]
    if schools:
        person["alumniOf"] = [{"@type": "EducationalOrganization", "name": name} for name in schools]
    skills = [item for s in _of_kind(persona, "skills") for item in s.entries()]
    if skills:
        person["knowsAbout"] = skills
    languages = [item.split(" (")[0] for s in _of_kind(persona, "languages") for item in s.entries()]
    if languages:
        person["knowsLanguage"] = languages
    credentials = [item for s in _of_kind(persona, "certifications") for item in s.entries()]
    if credentials:
        person["hasCredential"] = [
            {"@type": "EducationalOccupationalCredential", "name": name} for name in credentials
        ]
    awards = [item for s in _of_kind(persona, "honors") for item in s.entries()]
    if awards:
        person["award"] = awards
    links = [facts[key] for key in ("linkedin", "github", "website") if facts.get(key)]
    if links:
        person["sameAs"] = [link if "://" in link else f"https://{link}" for link in links]
    if mcp_url:
        person["potentialAction"] = {
            "@type": "AskAction",
            "name": f"Ask {persona.name}'s digital twin (Model Context Protocol)",
            "target": {
                "@type": "EntryPoint",
                "urlTemplate": mcp_url,
                "httpMethod": "POST",
                "contentType": "application/json",
                "actionPlatform": MCP_SPEC,
            },
        }
    return person


def person_jsonld_text(persona: Persona, mcp_url: str | None = None) -> str:
    """The JSON-LD document, indented, ready to paste into a page."""
    return msgspec.json.format(msgspec.json.encode(person_jsonld(persona, mcp_url)), indent=2).decode() + "\n"


def llms_txt(persona: Persona, mcp_url: str | None = None) -> str:
    """An llms.txt (llmstxt.org): a title, a one-line summary, then short Markdown sections; with
    `mcp_url`, the twin's MCP endpoint among the ways to ask it."""
    lines = [f"# {persona.full_name}", ""]
    if persona.headline:
        lines += [f"> {persona.headline}", ""]
    summary = next((s.text.split("\n\n")[0] for s in _of_kind(persona, "summary")), "")
    if summary:
        lines += [summary, ""]
    experience = _of_kind(persona, "experience")
    if experience:
        lines += ["## Experience", ""]
        for section in experience:
            dates = " - ".join(v for v in (section.fields.get("start"), section.fields.get("end")) if v)
            lines.append(f"- {section.title}" + (f" ({dates})" if dates else ""))
        lines.append("")
    education = _of_kind(persona, "education")
    if education:
        lines += ["## Education", ""] + [f"- {s.text.rstrip('.')}" for s in education] + [""]
    for kind, title in (
        ("skills", "Skills"),
        ("languages", "Languages"),
        ("certifications", "Certifications"),
        ("honors", "Honors and awards"),
    ):
        items = [item for s in _of_kind(persona, kind) for item in s.entries()]
        if items:
            lines += [f"## {title}", "", *[f"- {item}" for item in items], ""]
    ask = [f"- [Chat with {persona.name}'s twin]({persona.website})"] if persona.website else []
    if mcp_url:
        ask.append(f"- [MCP endpoint]({mcp_url}): ask the twin, read the profile, leave a message")
    if ask:
        lines += ["## Ask my digital twin", "", *ask, ""]
    return "\n".join(lines)


def left_out(persona: Persona) -> list[str]:
    """What the published files leave out, one line per source: its sections of other kinds."""
    kinds: dict[str, dict[str, int]] = {}
    for section in persona.sections:
        if section.kind not in PUBLISHED_KINDS:
            counts = kinds.setdefault(f"{section.source_id!r} ({section.source_type})", {})
            counts[section.kind] = counts.get(section.kind, 0) + 1
    return [
        f"{source}: " + ", ".join(f"{n} {kind} section{'s' if n > 1 else ''}" for kind, n in counts.items())
        for source, counts in kinds.items()
    ]
