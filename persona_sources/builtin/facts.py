"""`facts`: a JSON object of facts; keys listed in its `private` array never leave this module."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from persona_sources.errors import SourceError
from persona_sources.hookspecs import hookimpl
from persona_sources.model import Section, SourceContext, SourceType


def load_facts(ctx: SourceContext) -> list[Section]:
    try:
        data = msgspec.json.decode(ctx.read_bytes())
    except msgspec.DecodeError as exc:
        raise SourceError(f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise SourceError("expected a JSON object of facts at the top level")
    private = data.pop("private", [])
    if not isinstance(private, list) or not all(isinstance(k, str) for k in private):
        raise SourceError("`private` must be a list of fact keys")
    for key in private:
        if key not in data:
            raise SourceError(_not_a_key(key, data))
    public = {key: _render(value) for key, value in data.items() if key not in set(private)}
    public = {key: value for key, value in public.items() if value}
    if not public:
        raise SourceError("no public facts in the file")
    lines = [f"{_label(key)}: {value}" for key, value in public.items()]
    ctx.report_input(
        [f"{key} {_words(data[key])}" for key in public],
        private=[f"{key} {_words(data[key])}" for key in private if key in data],
    )
    return [
        Section(
            source_id=ctx.spec.id,
            source_type="facts",
            title=ctx.spec.title or "Facts",
            text="\n".join(lines),
            kind="facts",
            facts=public,
        )
    ]


def _not_a_key(key: str, data: dict[str, Any]) -> str:
    """Why a `private` entry that names no key is refused: the fact it meant to hide would be shown."""
    alike = [other for other in data if other.casefold() == key.casefold()]
    hint = f"; did you mean {alike[0]!r}?" if alike else f"; the keys are {', '.join(map(repr, data))}"
    return f"`private` names {key!r}, which is not a top-level key of this file (keys match exactly){hint}"


def _label(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def _words(value: Any) -> str:
    """Every key and value inside `value`, as the file has them: what coverage is measured on."""
    if isinstance(value, dict):
        return " ".join(f"{key} {_words(item)}" for key, item in value.items())
    if isinstance(value, list):
        return " ".join(_words(item) for item in value)
    return "" if value is None else str(value)


def _render(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{_label(str(k))}: {_render(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_render(v) for v in value)
    if value is None:
        return ""
    return str(value).strip()


@hookimpl
def register_persona_sources(register: Callable[[SourceType], None]) -> None:
    register(
        SourceType(
            name="facts",
            load=load_facts,
            help=(
                "A JSON object of facts (full_name, name, current_role, ...). "
                "Keys listed in a `private` array are never used. Options: path, title."
            ),
            citation="my facts",
        )
    )
