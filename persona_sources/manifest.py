"""Reading persona.toml, or recognising the seed's layout when there is no manifest."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import msgspec

from persona_sources.errors import PersonaError
from persona_sources.model import SourceSpec

MANIFEST_NAME = "persona.toml"
_SPEC_FIELDS = {"id", "type", "path", "title"}


class PersonaSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The `[persona]` table: overrides for what is otherwise derived from the sources."""

    name: str | None = None
    full_name: str | None = None
    headline: str | None = None
    greeting: str | None = None
    avatar_url: str | None = None
    website: str | None = None
    suggested_questions: list[str] | None = None


class Manifest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """persona.toml as a whole."""

    persona: PersonaSettings = msgspec.field(default_factory=PersonaSettings)
    sources: list[dict[str, Any]] = msgspec.field(default_factory=list)

    def source_specs(self) -> list[SourceSpec]:
        """Each `[[sources]]` entry as a spec; extra keys become the source's options."""
        specs = []
        for index, entry in enumerate(self.sources, start=1):
            missing = [key for key in ("id", "type") if not isinstance(entry.get(key), str) or not entry[key]]
            if missing:
                raise PersonaError(f"{MANIFEST_NAME}: source #{index} needs a string `{missing[0]}`")
            fields = {k: v for k, v in entry.items() if k in _SPEC_FIELDS}
            fields["options"] = {k: v for k, v in entry.items() if k not in _SPEC_FIELDS}
            try:
                specs.append(msgspec.convert(fields, SourceSpec))
            except msgspec.ValidationError as exc:
                raise PersonaError(f"{MANIFEST_NAME}: source {entry['id']!r}: {exc}") from None
        ids = [spec.id for spec in specs]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise PersonaError(f"{MANIFEST_NAME}: source id {duplicates[0]!r} is used more than once")
        return specs


def read_manifest(persona_dir: Path) -> Manifest:
    """The directory's manifest, or one recognised from the seed's file layout."""
    path = persona_dir / MANIFEST_NAME
    if not persona_dir.is_dir():
        raise PersonaError(f"persona directory {persona_dir} does not exist")
    if not path.exists():
        return _seed_layout(persona_dir)
    try:
        # Some editors (Windows Notepad) start a UTF-8 file with a byte-order mark; TOML has none.
        raw = path.read_bytes().removeprefix(codecs.BOM_UTF8)
    except OSError as exc:
        raise PersonaError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        return msgspec.toml.decode(raw, type=Manifest)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise PersonaError(f"{path}: {exc}") from None


def _seed_layout(persona_dir: Path) -> Manifest:
    """summary.txt, style.txt, facts.json and any *.pdf (a LinkedIn export), as the seed kept them."""
    sources: list[dict[str, Any]] = []
    for name, kind, title, options in (
        ("summary.txt", "text", "Summary", {}),
        ("style.txt", "text", "Communication style", {"kind": "style"}),
        ("facts.json", "facts", "Facts", {}),
    ):
        if (persona_dir / name).exists():
            sources.append({"id": Path(name).stem, "type": kind, "path": name, "title": title} | options)
    for index, pdf in enumerate(sorted(persona_dir.glob("*.pdf"))):
        source_id = "linkedin" if index == 0 else f"linkedin_{index + 1}"
        sources.append({"id": source_id, "type": "linkedin_pdf", "path": pdf.name})
    if not sources:
        raise PersonaError(
            f"no persona sources in {persona_dir}: add {MANIFEST_NAME}, or summary.txt, facts.json "
            "or a LinkedIn PDF"
        )
    return Manifest(sources=sources)
