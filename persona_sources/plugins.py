"""The plugin manager: built-in source types and external ones found through an entry-point group."""

from __future__ import annotations

import dataclasses
import importlib
from functools import cache
from importlib.metadata import Distribution, entry_points

import pluggy

from persona_sources import hookspecs
from persona_sources.code_identity import code_identity, twin_identity
from persona_sources.errors import PluginError
from persona_sources.model import SourceType

#: Entry-point group an external plugin package declares itself under.
ENTRY_POINT_GROUP = "twin.persona_sources"

#: Built-in plugins, registered exactly like external ones.
BUILTIN_PLUGINS = (
    "persona_sources.builtin.text",
    "persona_sources.builtin.facts",
    "persona_sources.builtin.linkedin_pdf",
    "persona_sources.builtin.owner_answers",
)


def new_plugin_manager(*, external: bool = True) -> pluggy.PluginManager:
    """A manager with the built-ins and (unless `external` is False) every installed plugin."""
    pm = pluggy.PluginManager("twin")
    pm.add_hookspecs(hookspecs)
    for module_name in BUILTIN_PLUGINS:
        pm.register(importlib.import_module(module_name), name=module_name)
    if external:
        _load_external(pm)
    return pm


def _load_external(pm: pluggy.PluginManager) -> None:
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if pm.has_plugin(ep.name):
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            raise PluginError(
                f"persona source plugin {ep.name!r} ({ep.value}) failed to load: {exc}"
            ) from exc
        pm.register(plugin, name=ep.name)
        if ep.dist is not None:
            _DISTRIBUTIONS[ep.name] = ep.dist


#: The distribution each external plugin (by entry-point name) was installed from.
_DISTRIBUTIONS: dict[str, Distribution] = {}


def source_types(pm: pluggy.PluginManager) -> dict[str, SourceType]:
    """Every registered source type by name, with where it comes from and which code it runs.

    Two plugins claiming one name is an error naming both.
    """
    found: dict[str, SourceType] = {}
    for impl in pm.hook.register_persona_sources.get_hookimpls():
        dist = _DISTRIBUTIONS.get(impl.plugin_name)
        builtin = impl.plugin_name in BUILTIN_PLUGINS
        if dist is not None:
            origin = f"{dist.metadata['Name']} {dist.version}"
        else:
            origin = "twin (built-in)" if builtin else impl.plugin_name

        def register(source_type: SourceType, origin: str = origin, dist: Distribution | None = dist,
                     builtin: bool = builtin) -> None:  # fmt: skip
            if not isinstance(source_type, SourceType):
                raise PluginError(f"plugin {origin!r} registered {source_type!r}, not a SourceType")
            if source_type.name in found:
                other = found[source_type.name].origin
                raise PluginError(
                    f"source type {source_type.name!r} is registered by both {other!r} and {origin!r}"
                )
            code = twin_identity() if builtin else code_identity(source_type.load, dist)
            found[source_type.name] = dataclasses.replace(source_type, origin=origin, code=code)

        impl.function(register=register)
    return found


@cache
def default_source_types() -> dict[str, SourceType]:
    """The source types of this process's installed plugins, discovered once."""
    return source_types(new_plugin_manager())
