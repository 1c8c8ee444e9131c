"""LLM providers: one streaming interface, an OpenAI-compatible and an embedded offline implementation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from persona_sources import Persona
from service.providers.base import (
    ChatTurn,
    Provider,
    ProviderError,
    ProviderRateLimited,
    ProviderRequest,
    ProviderTimeout,
    ProviderUnavailable,
    StreamItem,
    ToolCall,
    ToolResult,
    ToolRound,
    ToolSpec,
)
from service.providers.usage import Usage
from service.settings import ModelSettings

if TYPE_CHECKING:
    from service.providers.offline import OfflineTools

__all__ = [
    "ChatTurn",
    "Provider",
    "ProviderError",
    "ProviderRateLimited",
    "ProviderRequest",
    "ProviderTimeout",
    "ProviderUnavailable",
    "StreamItem",
    "ToolCall",
    "ToolResult",
    "ToolRound",
    "ToolSpec",
    "Usage",
    "build_provider",
]


def build_provider(
    settings: ModelSettings, persona: Persona, tools: OfflineTools, *, offline: bool = False
) -> Provider:
    """The provider the settings ask for (or, with `offline`, the embedded one beside it, which calls
    `tools` as a model would)."""
    if settings.provider_name == "openai" and not offline:
        from service.providers.openai import OpenAIProvider

        return OpenAIProvider(settings)
    from service.providers.offline import OfflineProvider

    return OfflineProvider(persona, tools)
