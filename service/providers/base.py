"""The provider interface and its typed failures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Literal, Protocol

import msgspec

from memory import Usage


class ChatTurn(msgspec.Struct, frozen=True):
    """One message of the conversation as sent to a model."""

    role: Literal["system", "user", "assistant"]
    content: str


class ProviderRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a provider needs for one reply. `stream` asks for the streaming wire format."""

    system: str
    history: tuple[ChatTurn, ...]
    message: str
    max_tokens: int
    stream: bool = True


class Provider(Protocol):
    """Streams text deltas, then yields one Usage. The non-streaming reply is the joined deltas."""

    name: str
    model: str
    offline: bool

    def stream(self, request: ProviderRequest) -> AsyncIterator[str | Usage]:
        """Yield text deltas and, last, the usage. Raises: ProviderError subclasses only."""
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
        self.retry_after = retry_after


class ProviderUnavailable(ProviderError):
    """The upstream failed, was unreachable or answered with something unreadable."""
