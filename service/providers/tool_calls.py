"""Whole tool calls from what a provider sends, streamed or not.

OpenAI streams a call as its id and name, then its arguments in fragments, all under one index.
Gemini may instead send a complete call (arguments as one whole JSON object) per chunk, sometimes
under an index already used; and its calls carry `extra_content` (a thought signature) that must
go back with them. One accumulator reads both.
"""

from __future__ import annotations

from typing import Any

import msgspec

from service.providers.base import ToolCall

#: Fields of a tool call every provider sends; anything else on it is a provider extra.
_STANDARD = frozenset({"index", "id", "type", "function"})


class _Partial:
    __slots__ = ("arguments", "extras", "id", "name")

    def __init__(self) -> None:
        self.id = ""
        self.name = ""
        self.arguments = ""
        self.extras: dict[str, Any] = {}


class ToolCallAccumulator:
    """Collects tool-call pieces in arrival order; `calls()` returns them whole."""

    def __init__(self) -> None:
        self._calls: list[_Partial] = []
        self._by_index: dict[int, _Partial] = {}

    def add(self, pieces: list[dict[str, Any]]) -> None:
        """The `tool_calls` of one chunk (or of a whole reply)."""
        for position, piece in enumerate(pieces):
            index = piece.get("index")
            self._add(index if isinstance(index, int) else position, piece)

    def _add(self, index: int, piece: dict[str, Any]) -> None:
        function = piece.get("function") or {}
        arguments = function.get("arguments") or ""
        call_id = piece.get("id") or ""
        partial = self._by_index.get(index)
        if partial is None or _starts_another(partial, call_id, arguments):
            partial = self._by_index[index] = _Partial()
            self._calls.append(partial)
        partial.id = call_id or partial.id
        partial.name = function.get("name") or partial.name
        if arguments and _whole(partial.arguments) and _whole(arguments):
            partial.arguments = arguments  # the same call restated whole
        else:
            partial.arguments += arguments
        _merge(partial.extras, {key: value for key, value in piece.items() if key not in _STANDARD})

    def calls(self) -> list[ToolCall]:
        return [
            ToolCall(id=p.id or f"call_{n}", name=p.name, arguments=p.arguments, extras=p.extras)
            for n, p in enumerate(self._calls)
        ]


def _starts_another(partial: _Partial, call_id: str, arguments: str) -> bool:
    """A piece under a used index that is another call: a different id, or a whole call arriving
    after this one was already whole."""
    if call_id and partial.id and call_id != partial.id:
        return True
    return not call_id and bool(arguments) and _whole(partial.arguments) and _whole(arguments)


def _whole(arguments: str) -> bool:
    """Whether `arguments` is one complete JSON object (not a fragment of one)."""
    if not arguments.startswith("{") or not arguments.endswith("}"):
        return False
    try:
        msgspec.json.decode(arguments)
    except msgspec.DecodeError:
        return False
    return True


def _merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    """Deep-merge provider extras: nested objects merge, other values are replaced."""
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
