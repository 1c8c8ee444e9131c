"""The plugin manager: built-in source types and external ones found through an entry-point group."""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points

import pluggy

from persona_sources import hookspecs
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
            _DISTRIBUTIONS[ep.name] = f"{ep.dist.name} {ep.dist.version}"


_DISTRIBUTIONS: dict[str, str] = {}


def source_types(pm: pluggy.PluginManager) -> dict[str, SourceType]:
    """Every registered source type by name; two plugins claiming one name is an error naming both."""
    found: dict[str, SourceType] = {}
    for impl in pm.hook.register_persona_sources.get_hookimpls():
        origin = _DISTRIBUTIONS.get(impl.plugin_name, _origin_of(impl.plugin_name))

        def register(source_type: SourceType, origin: str = origin) -> None:
            if not isinstance(source_type, SourceType):
                raise PluginError(f"plugin {origin!r} registered {source_type!r}, not a SourceType")
            if source_type.name in found:
                other = found[source_type.name].origin
                raise PluginError(
                    f"source type {source_type.name!r} is registered by both {other!r} and {origin!r}"
                )
            found[source_type.name] = SourceType(
                name=source_type.name, load=source_type.load, help=source_type.help, origin=origin
            )

        impl.function(register=register)
    return found


def _origin_of(plugin_name: str) -> str:
    return "twin (built-in)" if plugin_name in BUILTIN_PLUGINS else plugin_name


@cache
def default_source_types() -> dict[str, SourceType]:
    """The source types of this process's installed plugins, discovered once."""
    return source_types(new_plugin_manager())
