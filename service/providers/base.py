"""The provider interface and its typed failures."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from typing import Any, Literal, Protocol

import msgspec

from persona_sources import Section
from service.providers.usage import Usage


class ChatTurn(msgspec.Struct, frozen=True):
    """One message of the conversation as sent to a model."""

    role: Literal["system", "user", "assistant"]
    content: str


class ToolSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A function the model may call: its name, what it is for, and a JSON schema of its arguments."""

    name: str
    description: str
    parameters: dict[str, Any]


class ToolCall(msgspec.Struct, frozen=True, kw_only=True):
    """The model asks the engine to run a tool; `arguments` is the model's JSON text, unchecked.

    `extras` are the provider's own fields on the call (Gemini's `extra_content` with its thought
    signature): kept with the turn and sent back with the call when the provider needs them.
    """

    id: str
    name: str
    arguments: str
    extras: dict[str, Any] = msgspec.field(default_factory=dict)


class ToolResult(msgspec.Struct, frozen=True, kw_only=True):
    """What the engine tells the model a tool call did (JSON text)."""

    call_id: str
    content: str


class ToolRound(msgspec.Struct, frozen=True, kw_only=True):
    """One round of this turn: the model's tool calls (and any text before them), and their results."""

    calls: tuple[ToolCall, ...]
    results: tuple[ToolResult, ...]
    text: str = ""


class ProviderRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a provider needs for one reply. `stream` asks for the streaming wire format.

    `tools` are offered to the model; `rounds` are the tool calls already made in this turn with
    their results, sent back so the model can continue to a normal reply. `answers` are the owner's
    answers to earlier questions (sections of kind `qa`), refreshed while the process runs.

    `system` is the stable prompt (byte-identical across turns, so provider prompt caches can reuse
    it); `context` is what changes more often (the date, the owner's answers) and goes right after
    it in the same system message. `cache_key` groups the requests of one conversation for
    providers whose prompt cache routing takes a key (OpenAI's `prompt_cache_key`).
    """

    system: str
    history: tuple[ChatTurn, ...]
    message: str
    max_tokens: int
    stream: bool = True
    tools: tuple[ToolSpec, ...] = ()
    rounds: tuple[ToolRound, ...] = ()
    answers: tuple[Section, ...] = ()
    context: str = ""
    cache_key: str | None = None

    @property
    def system_prompt(self) -> str:
        """The whole system message: the stable prompt, then this turn's context."""
        return self.system + self.context


#: What a provider's stream yields: text deltas, tool calls (after any text), and last one Usage.
StreamItem = str | ToolCall | Usage


class Provider(Protocol):
    """Streams text deltas (and tool calls when tools are offered), then yields one Usage.

    The non-streaming reply is the joined deltas.
    """

    name: str
    model: str
    offline: bool

    def stream(self, request: ProviderRequest) -> AsyncIterator[StreamItem]:
        """Yield text deltas, tool calls and, last, the usage. Raises: ProviderError subclasses only."""
        ...

    async def close(self) -> None:
        """Release network clients."""
        ...


class ProviderError(Exception):
    """The model could not produce a reply. The message is safe to show to a visitor."""

    retry_after: float | None = None


class ProviderTimeout(ProviderError):
    """The model did not answer in time."""


class ProviderRateLimited(ProviderError):
    """The upstream asked us to slow down."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = wait_seconds(retry_after)


#: The longest wait the twin reads from an upstream or asks of a client.
MAX_WAIT_SECONDS = 3600


def wait_seconds(value: float | str | None) -> float | None:
    """A Retry-After value as a wait the twin can use: None when absent or meaningless (`inf`, `nan`,
    negative, not a number), otherwise at most MAX_WAIT_SECONDS."""
    try:
        seconds = float(value) if value is not None else math.nan
    except (TypeError, ValueError):
        return None
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return min(seconds, MAX_WAIT_SECONDS)


class ProviderUnavailable(ProviderError):
    """The upstream failed, was unreachable or answered with something unreadable."""
