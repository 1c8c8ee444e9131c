"""LLM providers: one streaming interface, an OpenAI-compatible and an embedded offline implementation."""

from __future__ import annotations

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


def build_provider(settings: ModelSettings, persona: Persona, *, offline: bool = False) -> Provider:
    """The provider the settings ask for (or, with `offline`, the embedded one beside it)."""
    if settings.provider_name == "openai" and not offline:
        from service.providers.openai import OpenAIProvider

        return OpenAIProvider(settings)
    from service.providers.offline import OfflineProvider

    return OfflineProvider(persona)
