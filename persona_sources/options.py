"""A source's options, checked against the Struct its type declares, with errors naming the option."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from persona_sources.errors import SourceError

OptionsT = TypeVar("OptionsT", bound=msgspec.Struct)


class NoOptions(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The options of a source type that takes none besides `path` and `title`."""


def option_names(kind: type[msgspec.Struct]) -> tuple[str, ...]:
    return tuple(f.encode_name for f in msgspec.structs.fields(kind))


def describe_options(kind: type[msgspec.Struct]) -> str:
    """The options as `twin persona sources` lists them: "include_contact (bool, default false)"."""
    described = []
    for field in msgspec.structs.fields(kind):
        kind_name = getattr(field.type, "__name__", str(field.type))
        default = "" if field.required else f", default {msgspec.json.encode(field.default).decode()}"
        described.append(f"{field.encode_name} ({kind_name}{default})")
    return ", ".join(described) or "none besides path and title"


def parse_options(options: Mapping[str, Any], kind: type[OptionsT]) -> OptionsT:
    """`options` as `kind`. Raises: SourceError naming every unknown key (with the closest known
    one) and every option whose value has the wrong type."""
    known = option_names(kind)
    problems = []
    for key, value in options.items():
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            allowed = ", ".join(f"`{name}`" for name in known) or "none besides `path` and `title`"
            problems.append(f"unknown option `{key}` (options: {allowed}){hint}")
            continue
        try:
            msgspec.convert({key: value}, kind)
        except msgspec.ValidationError as exc:
            if f"`$.{key}" in str(exc):  # this option's own value (a required option missing is not)
                problems.append(_explain(exc))
    if problems:
        raise SourceError("; ".join(problems))
    try:
        return msgspec.convert(dict(options), kind)
    except msgspec.ValidationError as exc:
        raise SourceError(_explain(exc)) from None


_AT = re.compile(r"^(?P<why>.*?)(?: - at `\$\.(?P<key>[^`\[.]+)[^`]*`)?$")


def _explain(exc: msgspec.ValidationError) -> str:
    """msgspec's "Expected `bool`, got `str` - at `$.include_contact`" as "option `include_contact`: ..."."""
    match = _AT.match(str(exc))
    if match is None or not match["key"]:
        return f"invalid options: {exc}"
    why = match["why"]
    return f"option `{match['key']}`: {why[:1].lower()}{why[1:]}"
