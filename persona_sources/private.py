"""The values an owner keeps private, read straight from the sources, so evals can prove they never leak.

They are never part of a Persona; only checks that look for leaks use this.
"""

from __future__ import annotations

import re
from pathlib import Path

import msgspec

from persona_sources.builtin.linkedin_profile import parse_profile
from persona_sources.builtin.pdf_lines import read_pdf_lines
from persona_sources.errors import PersonaError
from persona_sources.manifest import read_manifest


def private_values(persona_dir: Path) -> list[str]:
    """facts.json values under its `private` keys, and LinkedIn contact lines not opted in."""
    values: list[str] = []
    for spec in read_manifest(persona_dir).source_specs():
        if not spec.path:
            continue
        path = persona_dir / spec.path
        try:
            if spec.type == "facts":
                data = msgspec.json.decode(path.read_bytes())
                keys = data.get("private", []) if isinstance(data, dict) else []
                values += [str(data[key]) for key in keys if isinstance(key, str) and data.get(key)]
            elif spec.type == "linkedin_pdf" and not spec.options.get("include_contact", False):
                document = read_pdf_lines(path.read_bytes())
                contact = parse_profile(document.lines, document.page_width).contact
                values += [re.sub(r"\s*\([^()]+\)$", "", line) for line in contact]
        except (OSError, msgspec.DecodeError, PersonaError, ValueError):
            continue  # an unreadable source has nothing to leak; `twin persona check` reports it
    return list(dict.fromkeys(value.strip() for value in values if len(value.strip()) >= 4))
