"""Settings read from environment variables, all derived from one declaration (service/settings.py).

A root Struct's fields are its variables: each field's encoded name is the variable it comes from, and
a field whose type is a `Group` holds a group of them. From that alone: the list of variables, which
are secrets, parsing (a tuple field takes a comma-separated list), the `.env` file, and errors that
name the variable. Nothing here knows twin's settings.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import msgspec

#: A value never repeated in an error message (the message names the variable only).
SECRET = {"secret": True}

Root = TypeVar("Root", bound=msgspec.Struct)


class SettingsError(ValueError):
    """A configuration value is invalid; the message names the environment variable."""


class Group(msgspec.Struct, frozen=True, kw_only=True):
    """Settings of one concern; each field's encoded name is the environment variable it comes from."""


@cache
def variables(root: type[msgspec.Struct]) -> dict[str, tuple[str, str]]:
    """Environment variable -> (group, attribute); `("", attribute)` for the root's own ones."""
    found: dict[str, tuple[str, str]] = {}
    for group, kind in _groups(root):
        for info in msgspec.structs.fields(kind or root):
            if kind is not None or not _is_group(info.type):
                found[info.encode_name] = (group, info.name)
    return found


@cache
def secret_variables(root: type[msgspec.Struct]) -> frozenset[str]:
    """Variables whose values are secrets (`Meta(extra=SECRET)`): errors never repeat them."""
    found = set()
    for _, kind in _groups(root):
        info = msgspec.inspect.type_info(kind or root)
        assert isinstance(info, msgspec.inspect.StructType)
        for item in info.fields:
            options = item.type.types if isinstance(item.type, msgspec.inspect.UnionType) else (item.type,)
            if any(isinstance(o, msgspec.inspect.Metadata) and o.extra == SECRET for o in options):
                found.add(item.encode_name)
    return frozenset(found)


def read(root: type[Root], values: Mapping[str, str]) -> Root:
    """`root` from the variables in `values` (unset or blank ones take their defaults).

    Raises: SettingsError naming the variable whose value is invalid.
    """
    raw: dict[str, Any] = {}
    for variable, (group, attribute) in variables(root).items():
        value = values.get(variable, "").strip()
        if value:
            target = raw.setdefault(group, {}) if group else raw
            target[variable] = _split(value) if _is_list(root, group, attribute) else value
    try:
        return msgspec.convert(raw, root, strict=False, dec_hook=_decode_path)
    except msgspec.ValidationError as exc:
        raise SettingsError(_name_variable(root, str(exc), values)) from None


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a .env file; comments, blanks and `export ` prefixes allowed."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    values = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def _groups(root: type[msgspec.Struct]) -> Iterator[tuple[str, type[Group] | None]]:
    """("", None) for the root's own variables, then each group's attribute and type."""
    yield "", None
    for info in msgspec.structs.fields(root):
        if _is_group(info.type):
            yield info.name, info.type


def _is_group(kind: object) -> typing.TypeGuard[type[Group]]:
    return isinstance(kind, type) and issubclass(kind, Group)


def _is_list(root: type[msgspec.Struct], group: str, attribute: str) -> bool:
    kind = dict(_groups(root))[group] or root
    hint = typing.get_type_hints(kind)[attribute]
    return typing.get_origin(hint) is tuple


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _decode_path(kind: type, value: object) -> object:
    if kind is Path and isinstance(value, str):
        return Path(value)
    raise NotImplementedError


def _name_variable(root: type[msgspec.Struct], message: str, values: Mapping[str, str]) -> str:
    """msgspec's "Expected ... - at `$.storage.USE_S3`" as "USE_S3: expected ..., got '...'"."""
    problem, _, where = message.partition(" - at ")
    variable = where.strip("`").rpartition(".")[2].partition("[")[0]  # a list's item: `X[1]`
    if variable not in variables(root):
        return problem
    if variable in secret_variables(root):
        return f"{variable}: {problem[:1].lower()}{problem[1:]}"
    got = "" if ", got" in problem else f", got {values.get(variable, '').strip()!r}"
    return f"{variable}: {problem[:1].lower()}{problem[1:]}{got}"
