"""Persona sources: the owner's files, loaded by plugins and composed into one immutable persona."""

from __future__ import annotations

from persona_sources.compose import load_persona
from persona_sources.errors import PersonaError, PluginError, SourceError
from persona_sources.hookspecs import hookimpl
from persona_sources.model import Persona, Section, SourceContext, SourceSpec, SourceType

__all__ = [
    "Persona",
    "PersonaError",
    "PluginError",
    "Section",
    "SourceContext",
    "SourceError",
    "SourceSpec",
    "SourceType",
    "hookimpl",
    "load_persona",
]
