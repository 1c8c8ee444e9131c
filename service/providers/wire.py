"""The Chat Completions wire format as msgspec Structs: the request body twin sends, the replies it reads.

The body is built as plain data and encoded once by msgspec, so no per-call walk over the messages
and tool schemas happens (the official client's parameter transform does one on every call). What
never changes in a process is encoded once and embedded as `msgspec.Raw`: the tools, and the system
message for as long as its text stays the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from service.providers.base import ChatTurn, ToolRound, ToolSpec

_encode = msgspec.json.Encoder().encode

# ------------------------------------------------------------------------------------------ request


class Message(msgspec.Struct, frozen=True):
    """A system, user or assistant message (`content` always present, null on a tool-call message)."""

    role: str
    content: str | None


class ToolCallMessage(msgspec.Struct, frozen=True):
    """The assistant's tool calls of one round, as the follow-up request repeats them."""

    role: str
    content: str | None
    tool_calls: list[dict[str, Any]]


class ToolResultMessage(msgspec.Struct, frozen=True):
    role: str
    tool_call_id: str
    content: str


class StreamOptions(msgspec.Struct, frozen=True):
    include_usage: bool = True


class Body(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A Chat Completions request; fields left at their default are not sent."""

    model: str
    messages: list[Any]
    max_tokens: int
    stream: bool = False
    stream_options: StreamOptions | None = None
    tools: msgspec.Raw | None = None
    parallel_tool_calls: bool | None = None
    temperature: float | None = None
    prompt_cache_key: str | None = None


def encode(body: Body) -> bytes:
    """The JSON bytes sent upstream."""
    return _encode(body)


def system_message(text: str) -> msgspec.Raw:
    """The system message, encoded (callers keep it while `text` is unchanged)."""
    return msgspec.Raw(_encode(Message("system", text)))


def conversation(
    history: Sequence[ChatTurn], message: str, rounds: Sequence[ToolRound], extras: bool
) -> list[Any]:
    """History, the visitor's message, then this turn's tool rounds (with the calls' provider extras
    when `extras`)."""
    messages: list[Any] = [Message(turn.role, turn.content) for turn in history]
    messages.append(Message("user", message))
    for round_ in rounds:
        calls = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
                **(call.extras if extras else {}),
            }
            for call in round_.calls
        ]
        messages.append(ToolCallMessage("assistant", round_.text or None, calls))
        messages += [ToolResultMessage("tool", result.call_id, result.content) for result in round_.results]
    return messages


def tools_json(tools: Sequence[ToolSpec], *, strict: bool) -> msgspec.Raw:
    """The `tools` array, encoded. Strict tools follow the subset every strict provider accepts: all
    fields required, no length limits (twin checks the arguments against the same Struct anyway)."""
    return msgspec.Raw(
        _encode(
            [
                {
                    "type": "function",
                    "function": {
                        "name": tool.name,
                        "description": tool.description,
                        "parameters": strict_schema(tool.parameters) if strict else tool.parameters,
                        **({"strict": True} if strict else {}),
                    },
                }
                for tool in tools
            ]
        )
    )


#: JSON Schema keywords strict function calling does not take; twin's own check enforces them.
_NOT_STRICT = frozenset({"minLength", "maxLength", "pattern", "default"})


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` in strict form: every property required, no extra properties, no length limits."""
    properties = {
        name: {key: value for key, value in spec.items() if key not in _NOT_STRICT}
        for name, spec in schema.get("properties", {}).items()
    }
    return {
        **{key: value for key, value in schema.items() if key not in _NOT_STRICT},
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


# -------------------------------------------------------------------------------------------- reply


class PromptTokensDetails(msgspec.Struct, frozen=True):
    cached_tokens: int | None = None


class WireUsage(msgspec.Struct, frozen=True):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    prompt_tokens_details: PromptTokensDetails | None = None


class Delta(msgspec.Struct, frozen=True):
    content: str | None = None
    #: Kept as decoded objects: providers add their own fields (extras) to tool calls.
    tool_calls: list[dict[str, Any]] | None = None


class ChunkChoice(msgspec.Struct, frozen=True):
    delta: Delta = msgspec.field(default_factory=Delta)
    finish_reason: str | None = None


class Chunk(msgspec.Struct, frozen=True):
    """One server-sent event of a streamed reply."""

    choices: list[ChunkChoice] = msgspec.field(default_factory=list)
    usage: WireUsage | None = None


class ReplyMessage(msgspec.Struct, frozen=True):
    content: str | None = None
    tool_calls: list[dict[str, Any]] | None = None


class Choice(msgspec.Struct, frozen=True):
    message: ReplyMessage = msgspec.field(default_factory=ReplyMessage)
    finish_reason: str | None = None


class Completion(msgspec.Struct, frozen=True):
    """A whole (not streamed) reply."""

    choices: list[Choice] = msgspec.field(default_factory=list)
    usage: WireUsage | None = None


decode_completion = msgspec.json.Decoder(Completion).decode


def chunk_of(data: object) -> Chunk:
    """A stream event's JSON (as the client's SSE reader decoded it) as a typed chunk."""
    return msgspec.convert(data, Chunk)
