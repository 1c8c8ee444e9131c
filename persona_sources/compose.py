"""Composition: sources -> sections with provenance -> one stable system prompt."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import msgspec

from persona_sources.compiled import fresh_compiled
from persona_sources.coverage import DEFAULT_MIN_COVERAGE, measure
from persona_sources.errors import PersonaError, SourceError
from persona_sources.manifest import Manifest, read_manifest
from persona_sources.model import (
    Persona,
    Section,
    SourceContext,
    SourceCoverage,
    SourceSpec,
    SourceType,
    own_title,
)
from persona_sources.options import parse_options
from persona_sources.plugins import default_source_types
from persona_sources.prompt import RULES, quote_section

log = logging.getLogger("twin.persona")


class LoadedSource(msgspec.Struct, frozen=True, kw_only=True):
    """One source's sections and how much of its text they kept."""

    spec: SourceSpec
    sections: tuple[Section, ...]
    coverage: SourceCoverage
    #: The source produced nothing, which its type allows (`may_be_empty`).
    empty: bool = False


def load_persona(
    persona_dir: Path, source_types: Mapping[str, SourceType] | None = None, *, use_compiled: bool = True
) -> Persona:
    """The persona: from its compiled form when that is fresh, else composed from the sources.

    A compiled persona (`twin persona build`) spares a cold start all source parsing. When the
    sources sit beside it and have changed since the build, it is stale: the twin says so in the
    log and composes from the sources instead. Any failure is loud and names the source.
    """
    if use_compiled:
        compiled = fresh_compiled(persona_dir)
        if compiled is not None:
            for coverage in compiled.coverage:
                _log(coverage, "as built")
            return compiled
    return compose_sources(persona_dir, source_types)


def compose_sources(persona_dir: Path, source_types: Mapping[str, SourceType] | None = None) -> Persona:
    """Load every source the manifest lists and compose the persona; log each source's coverage."""
    types = default_source_types() if source_types is None else source_types
    manifest = read_manifest(persona_dir)
    loaded = [read_source(spec, persona_dir, types) for spec in manifest.source_specs()]
    for source in loaded:
        log_coverage(source)
    return compose([s for source in loaded for s in source.sections], manifest, loaded)


def log_coverage(source: LoadedSource) -> None:
    """One line per source at start-up: its coverage, and a warning naming lost lines."""
    if source.empty:
        log.info("persona source %r is empty (its type allows that)", source.spec.id)
    else:
        _log(source.coverage, "")


def _log(coverage: SourceCoverage, when: str, minimum: float = DEFAULT_MIN_COVERAGE) -> None:
    what = f"persona coverage{f' ({when})' if when else ''} {coverage.summary()}"
    if coverage.measured and coverage.ratio < minimum:
        lost = "; ".join(repr(line) for line in coverage.missing[:5])
        log.warning("%s, below %.0f%%; not in the persona: %s", what, minimum * 100, lost)
    else:
        log.info("%s", what)


def load_source(spec: SourceSpec, persona_dir: Path, types: Mapping[str, SourceType]) -> list[Section]:
    """One source's sections; errors are wrapped with the source's id, type and file."""
    return list(read_source(spec, persona_dir, types).sections)


def read_source(spec: SourceSpec, persona_dir: Path, types: Mapping[str, SourceType]) -> LoadedSource:
    """One source loaded, its options checked, its sections cited, its coverage measured.

    Raises: PersonaError naming the source, its type and its file.
    """
    where = f"persona source {spec.id!r} ({spec.type}" + (
        f", {persona_dir / spec.path})" if spec.path else ")"
    )
    source_type = types.get(spec.type)
    if source_type is None:
        known = ", ".join(sorted(types))
        raise PersonaError(f"{where}: unknown source type {spec.type!r} (known: {known})")
    ctx = SourceContext(spec=spec, persona_dir=persona_dir)
    try:
        parse_options(spec.options, source_type.options)
        sections = tuple(_cited(s, source_type, spec) for s in source_type.load(ctx))
    except SourceError as exc:
        raise PersonaError(f"{where}: {exc}") from None
    except Exception as exc:
        raise PersonaError(f"{where}: the {spec.type!r} loader failed: {type(exc).__name__}: {exc}") from exc
    empty = not any(section.text.strip() for section in sections)
    if empty and not source_type.may_be_empty:
        raise PersonaError(f"{where}: produced no text")
    coverage = measure(spec, ctx.input, sections)
    return LoadedSource(spec=spec, sections=() if empty else sections, coverage=coverage, empty=empty)


def _cited(section: Section, source_type: SourceType, spec: SourceSpec) -> Section:
    """The section with its citation: the type's own, else the source's title, else the section's."""
    if section.citation:
        return section
    return msgspec.structs.replace(
        section, citation=source_type.citation or own_title(spec.title or section.title)
    )


def compose(sections: list[Section], manifest: Manifest, loaded: Sequence[LoadedSource] = ()) -> Persona:
    """The persona from loaded sections; the prompt depends only on them, never on the clock."""
    settings = manifest.persona
    facts = _merged_facts(sections)
    full_name = settings.full_name or facts.get("full_name") or facts.get("name") or settings.name
    if not full_name:
        raise PersonaError("the persona has no name: set `full_name` in facts.json or [persona] name")
    name = settings.name or facts.get("name") or full_name.split()[0]
    headline = settings.headline or facts.get("headline") or _headline(facts)
    prompt = (
        RULES.format(full_name=full_name, name=name)
        + "\n\n"
        + "\n\n".join(quote_section(section) for section in sections)
    )
    return Persona(
        facts=facts,
        website=settings.website,
        name=name,
        full_name=full_name,
        headline=headline,
        sections=tuple(sections),
        prompt=prompt,
        content_hash=hashlib.sha256(msgspec.json.encode([prompt, sections])).hexdigest(),
        greeting=settings.greeting
        or f"Hi, I'm {name}'s digital twin. Ask me about my work, skills and experience.",
        suggested_questions=tuple(settings.suggested_questions or suggest_questions(sections, facts)),
        avatar_url=settings.avatar_url or facts.get("avatar_url"),
        coverage=tuple(source.coverage for source in loaded),
    )


def _merged_facts(sections: list[Section]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for section in sections:
        for key, value in section.facts.items():
            merged.setdefault(key, value)
    return merged


def _headline(facts: Mapping[str, str]) -> str:
    role, employer = facts.get("current_role"), facts.get("current_employer")
    if role and employer:
        return f"{role} at {employer}"
    return role or employer or ""


def suggest_questions(sections: list[Section], facts: Mapping[str, str]) -> list[str]:
    """Three to five questions a visitor could ask, about what the persona actually covers."""
    current = facts.get("current_employer")
    questions = [f"What do you do at {current}?" if current else "What do you work on these days?"]
    past = next(
        (
            s.fields["company"]
            for s in sections
            if s.kind == "experience" and s.fields.get("company") not in (None, current)
        ),
        None,
    )
    if past:
        questions.append(f"What did you work on at {past}?")
    skill = next(
        (s.text.split(":", 1)[-1].split(";")[0].strip(" .") for s in sections if s.kind == "skills"), ""
    )
    questions.append(f"How have you used {skill}?" if skill else "What are your strongest skills?")
    if facts.get("education") or any(s.kind == "education" for s in sections):
        questions.append("Where did you study?")
    questions.append("How can I get in touch with you?")
    return questions[:5]
