"""`twin persona ...`: inspect the owner's persona."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from persona_sources import load_persona
from service.settings import Settings
from service.tokens import estimate_tokens


def add_commands(subparsers: Any) -> None:
    persona = subparsers.add_parser("persona", help="inspect the persona").add_subparsers(
        title="persona commands"
    )
    show = persona.add_parser("show", help="the composed prompt, its sources and its size")
    show.set_defaults(run=_show)


def _show(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    persona = load_persona(settings.persona_dir)
    prompt = persona.system_prompt(datetime.now(UTC).date())
    print(prompt)
    print("\n---")
    print(f"persona: {persona.full_name} ({persona.headline}) from {settings.persona_dir}")
    for section in persona.sections:
        print(
            f"  source {section.source_id!r} ({section.source_type}): {section.title}, "
            f"{len(section.text)} characters"
        )
    print(f"system prompt: {len(prompt)} characters, about {estimate_tokens(prompt)} tokens (estimated)")
    print(f"content hash: {persona.content_hash}")
    return 0
