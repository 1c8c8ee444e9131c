"""LLM providers: one streaming interface, an OpenAI-compatible and an embedded offline implementation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from persona_sources import Persona
from service.providers import lazy_types
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

lazy_types.install()  # before anything imports `openai`

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
    "compatible_provider",
]


def build_provider(
    settings: ModelSettings, persona: Persona, tools: OfflineTools, *, offline: bool = False
) -> Provider:
    """The provider the settings ask for (or, with `offline`, the embedded one beside it, which calls
    `tools` as a model would)."""
    if settings.provider_name != "offline" and not offline:
        return compatible_provider(settings)
    from service.providers.offline import OfflineProvider

    return OfflineProvider(persona, tools)


def compatible_provider(settings: ModelSettings) -> Provider:
    """A Chat Completions-compatible provider with its profile's base URL, key and capabilities."""
    from service.providers.openai import ApiKey, OpenAICompatibleProvider
    from service.providers.profiles import api_key_for, base_url_for, profile_for

    profile = profile_for(settings)
    key: ApiKey | None = api_key_for(profile, settings)
    if key is None and profile.name == "bedrock" and settings.aws_region:
        from service.providers.bedrock_keys import BedrockKeys

        key = BedrockKeys(settings.aws_region)
    return OpenAICompatibleProvider(
        settings, profile, api_key=key or "not-needed", base_url=base_url_for(profile, settings)
    )
