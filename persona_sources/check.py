"""`twin persona check`: everything an owner should fix before the twin talks to anyone."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

import msgspec

from persona_sources.compose import compose, load_source
from persona_sources.errors import PersonaError
from persona_sources.manifest import read_manifest
from persona_sources.model import Persona, Section, SourceType
from persona_sources.plugins import default_source_types

#: Facts that must agree across sources, or the twin contradicts itself.
CONSISTENT_FACTS = ("full_name", "current_role", "current_employer")


class Finding(msgspec.Struct, frozen=True):
    """One problem; errors fail the check, warnings are shown."""

    level: Literal["error", "warning"]
    message: str


class CheckReport(msgspec.Struct, frozen=True):
    findings: tuple[Finding, ...]
    persona: Persona | None = None
    prompt_tokens: int = 0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]


def check_persona(
    persona_dir: Path,
    *,
    count_tokens: Callable[[str], int],
    prompt_budget: int,
    max_age: timedelta,
    now: datetime,
    source_types: Mapping[str, SourceType] | None = None,
) -> CheckReport:
    """Lint every source (all of them, not just the first failure), then the composed prompt."""
    types = default_source_types() if source_types is None else source_types
    findings: list[Finding] = []
    try:
        manifest = read_manifest(persona_dir)
        specs = manifest.source_specs()
    except PersonaError as exc:
        return CheckReport(findings=(Finding("error", str(exc)),))
    sections: list[Section] = []
    for spec in specs:
        try:
            sections.extend(load_source(spec, persona_dir, types))
        except PersonaError as exc:
            findings.append(Finding("error", str(exc)))
    if findings:
        return CheckReport(findings=tuple(findings))
    try:
        persona = compose(sections, manifest)
    except PersonaError as exc:
        return CheckReport(findings=(Finding("error", str(exc)),))
    tokens = count_tokens(persona.prompt)
    findings += _size(tokens, prompt_budget)
    findings += _conflicts(sections)
    findings += _stale(sections, max_age, now)
    return CheckReport(findings=tuple(findings), persona=persona, prompt_tokens=tokens)


def _size(tokens: int, budget: int) -> list[Finding]:
    if tokens > budget:
        return [
            Finding(
                "error",
                f"the system prompt is {tokens} tokens; the model's budget for it is {budget} "
                "(context window minus reply and history budgets): shorten the sources",
            )
        ]
    if tokens > budget // 2:
        return [Finding("warning", f"the system prompt uses {tokens} of its {budget}-token budget")]
    return []


def _conflicts(sections: list[Section]) -> list[Finding]:
    """Sources that state one fact differently, e.g. facts.json and the LinkedIn export's name."""
    seen: dict[str, dict[str, str]] = {}
    for section in sections:
        for key in CONSISTENT_FACTS:
            if section.facts.get(key):
                seen.setdefault(key, {}).setdefault(section.source_id, section.facts[key])
    findings = []
    for key, by_source in seen.items():
        if len({" ".join(v.casefold().split()) for v in by_source.values()}) > 1:
            stated = "; ".join(f"{source!r} says {value!r}" for source, value in by_source.items())
            findings.append(Finding("error", f"sources disagree on {key}: {stated}"))
    return findings


def _stale(sections: list[Section], max_age: timedelta, now: datetime) -> list[Finding]:
    findings = []
    flagged: set[str] = set()
    for section in sections:
        if section.created is None or section.source_id in flagged:
            continue
        age = now - section.created
        if age > max_age:
            flagged.add(section.source_id)
            findings.append(
                Finding(
                    "warning",
                    f"persona source {section.source_id!r} ({section.source_type}) was created "
                    f"{section.created.date().isoformat()}, {age.days} days ago: export it again "
                    "if your profile changed",
                )
            )
    return findings
