"""`twin persona check`: everything an owner should fix before the twin talks to anyone."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

import msgspec

from persona_sources.compiled import COMPILED_NAME
from persona_sources.compose import LoadedSource, compose, read_source
from persona_sources.coverage import DEFAULT_MIN_COVERAGE
from persona_sources.errors import PersonaError
from persona_sources.manifest import MANIFEST_NAME, read_manifest
from persona_sources.model import Persona, Section, SourceCoverage, SourceType
from persona_sources.plugins import default_source_types

#: Facts that must agree across sources, or the twin contradicts itself.
CONSISTENT_FACTS = ("full_name", "current_role", "current_employer")


class Finding(msgspec.Struct, frozen=True):
    """One problem; errors fail the check, warnings are shown (`--strict` fails on them), notes
    only inform."""

    level: Literal["error", "warning", "note"]
    message: str


class CheckReport(msgspec.Struct, frozen=True):
    findings: tuple[Finding, ...]
    persona: Persona | None = None
    prompt_tokens: int = 0
    #: How much of each source that loaded reached the persona.
    coverage: tuple[SourceCoverage, ...] = ()

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]

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
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    read_elsewhere: Collection[str] = (),
) -> CheckReport:
    """Lint every source (all of them, not just the first failure), then the composed prompt.

    A source that keeps less than `min_coverage` of its words is an error naming the lines lost; a
    file of the directory that no source reads is a note (`read_elsewhere`: files other commands
    read, such as the eval cases).
    """
    types = default_source_types() if source_types is None else source_types
    findings: list[Finding] = []
    try:
        manifest = read_manifest(persona_dir)
        specs = manifest.source_specs()
    except PersonaError as exc:
        return CheckReport(findings=(Finding("error", str(exc)),))
    findings += _unread(persona_dir, {spec.path for spec in specs if spec.path} | set(read_elsewhere))
    loaded: list[LoadedSource] = []
    for spec in specs:
        try:
            loaded.append(read_source(spec, persona_dir, types))
        except PersonaError as exc:
            findings.append(Finding("error", str(exc)))
    coverage = tuple(source.coverage for source in loaded if not source.empty)
    findings += [finding for source in loaded for finding in _coverage(source, min_coverage)]
    if any(f.level == "error" for f in findings):
        return CheckReport(findings=tuple(findings), coverage=coverage)
    sections = [section for source in loaded for section in source.sections]
    try:
        persona = compose(sections, manifest, loaded)
    except PersonaError as exc:
        return CheckReport(findings=(*findings, Finding("error", str(exc))), coverage=coverage)
    tokens = count_tokens(persona.prompt)
    findings += _size(tokens, prompt_budget)
    findings += _conflicts(sections)
    findings += _stale(sections, max_age, now)
    return CheckReport(findings=tuple(findings), persona=persona, prompt_tokens=tokens, coverage=coverage)


def _unread(persona_dir: Path, read: set[str]) -> list[Finding]:
    """A note for each file in the directory (hidden ones aside) that no source reads: an owner who
    dropped a file in without listing it would otherwise never learn the twin does not know it."""
    known = {Path(name).as_posix() for name in read} | {MANIFEST_NAME, COMPILED_NAME}
    files = sorted(
        path.relative_to(persona_dir).as_posix()
        for path in persona_dir.rglob("*")
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(persona_dir).parts)
    )
    return [
        Finding("note", f"{name} is in the persona directory, but no source reads it")
        for name in files
        if name not in known
    ]


def _coverage(source: LoadedSource, minimum: float) -> list[Finding]:
    """An empty source (allowed by its type) is a note; lost lines are named, below `minimum` as an
    error."""
    spec, coverage = source.spec, source.coverage
    name = f"persona source {spec.id!r} ({spec.type})"
    if source.empty:
        return [Finding("note", f"{name} is empty; its type allows that, so the twin starts without it")]
    if not coverage.missing:
        return []
    lost = "; ".join(repr(line) for line in coverage.missing)
    if coverage.ratio < minimum:
        below = f"{coverage.summary()}, below the {minimum:.0%} threshold"
        return [Finding("error", f"{name} lost text ({below}); not in the persona: {lost}")]
    return [Finding("warning", f"{name}: not in the persona: {lost}")]


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
