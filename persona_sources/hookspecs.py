"""The hooks a persona-source plugin implements. Built-in and external plugins use the same ones."""

from __future__ import annotations

from collections.abc import Callable

import pluggy

from persona_sources.model import SourceType

hookspec = pluggy.HookspecMarker("twin")
hookimpl = pluggy.HookimplMarker("twin")


@hookspec
def register_persona_sources(register: Callable[[SourceType], None]) -> None:
    """Register source types by calling `register(SourceType(...))` once for each."""
