"""Persona errors: each names the source, its type and its file so an owner can fix it."""

from __future__ import annotations


class PersonaError(Exception):
    """The persona cannot be composed; the message says which source and why."""


class SourceError(PersonaError):
    """Raised by a loader with the reason only; the registry adds the source's name and file."""


class PluginError(PersonaError):
    """A plugin failed to import or registered a source type that clashes with another."""
