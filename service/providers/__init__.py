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
from service.settings import Settings

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
    "build_provider",
]


def build_provider(settings: Settings, persona: Persona) -> Provider:
    """The provider the settings ask for."""
    if settings.provider_name == "openai":
        from service.providers.openai import OpenAIProvider

        return OpenAIProvider(settings)
    from service.providers.offline import OfflineProvider

    return OfflineProvider(persona)
