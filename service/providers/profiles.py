"""Named provider profiles: where each Chat Completions-compatible service lives, which key it reads
and which of the wire format's features it honours (`TWIN_PROVIDER=anthropic|gemini|bedrock|openai|
ollama`). The request builder and the reply reader consult these flags instead of the provider's name.
"""

from __future__ import annotations

import msgspec

from service.settings import ENV_VARS, ModelSettings, ProfileName


class Capabilities(msgspec.Struct, frozen=True, kw_only=True):
    """What a provider's Chat Completions endpoint does with the parts of the wire format twin uses."""

    #: `stream_options.include_usage` is honoured: a streamed reply ends with its usage. Without it
    #: the option is not sent and usage is estimated (and marked so) unless the stream has it anyway.
    stream_usage: bool
    #: `strict` function schemas are enforced: tools go out strict (every field required, length
    #: limits left to twin's own check of the arguments) and one call per reply.
    strict_tools: bool
    #: The request may carry `parallel_tool_calls`.
    parallel_tool_calls: bool
    #: The highest `temperature` accepted; TWIN_TEMPERATURE is lowered to it.
    max_temperature: float
    #: Tool calls carry provider fields (Gemini's thought signature) that must be sent back with them.
    tool_call_extras: bool
    #: `prompt_cache_key` steers requests sharing a prefix to the same prompt cache.
    prompt_cache_key: bool


class Profile(msgspec.Struct, frozen=True, kw_only=True):
    """One provider: its base URL (`{region}` filled from AWS_REGION), its key and its capabilities."""

    name: ProfileName
    #: None: the official client's default (OpenAI's API).
    base_url: str | None
    #: The environment variable holding its key (None: the service takes no key).
    key_variable: str | None
    capabilities: Capabilities


PROFILES: dict[ProfileName, Profile] = {
    profile.name: profile
    for profile in (
        Profile(
            name="openai",
            base_url=None,
            key_variable="OPENAI_API_KEY",
            capabilities=Capabilities(
                stream_usage=True,
                strict_tools=True,
                parallel_tool_calls=True,
                max_temperature=2.0,
                tool_call_extras=False,
                prompt_cache_key=True,
            ),
        ),
        Profile(
            name="anthropic",
            base_url="https://api.anthropic.com/v1/",
            key_variable="ANTHROPIC_API_KEY",
            # `strict` and `response_format` are ignored, system messages are merged into one at the
            # start, temperature is capped at 1.
            capabilities=Capabilities(
                stream_usage=True,
                strict_tools=False,
                parallel_tool_calls=True,
                max_temperature=1.0,
                tool_call_extras=False,
                prompt_cache_key=False,
            ),
        ),
        Profile(
            name="gemini",
            base_url="https://generativelanguage.googleapis.com/v1beta/openai/",
            key_variable="GEMINI_API_KEY",
            # Streamed tool calls may come as one whole object per chunk; tool calls carry
            # `extra_content.google.thought_signature`; `include_usage` has been unreliable.
            capabilities=Capabilities(
                stream_usage=False,
                strict_tools=False,
                parallel_tool_calls=False,
                max_temperature=2.0,
                tool_call_extras=True,
                prompt_cache_key=False,
            ),
        ),
        Profile(
            name="bedrock",
            base_url="https://bedrock-runtime.{region}.amazonaws.com/openai/v1",
            key_variable="AWS_BEARER_TOKEN_BEDROCK",
            capabilities=Capabilities(
                stream_usage=True,
                strict_tools=False,
                parallel_tool_calls=False,
                max_temperature=2.0,
                tool_call_extras=False,
                prompt_cache_key=False,
            ),
        ),
        Profile(
            name="ollama",
            base_url="http://127.0.0.1:11434/v1",
            key_variable=None,
            capabilities=Capabilities(
                stream_usage=True,
                strict_tools=False,
                parallel_tool_calls=False,
                max_temperature=2.0,
                tool_call_extras=False,
                prompt_cache_key=False,
            ),
        ),
    )
}


def profile_for(settings: ModelSettings) -> Profile:
    """The profile of the provider the settings choose (`openai` when chosen automatically)."""
    name = settings.provider_name
    assert name != "offline", "the offline provider has no profile"
    return PROFILES[name]


def base_url_for(profile: Profile, settings: ModelSettings) -> str | None:
    """OPENAI_BASE_URL when set (any profile: a proxy or a local test server), else the profile's."""
    if settings.base_url:
        return settings.base_url
    if profile.base_url is None:
        return None
    return profile.base_url.format(region=settings.aws_region or "")


def api_key_for(profile: Profile, settings: ModelSettings) -> str | None:
    """The profile's own key variable, else OPENAI_API_KEY (which an SSM parameter may have filled)."""
    own: str | None = None
    if profile.key_variable:
        _, attribute = ENV_VARS[profile.key_variable]
        own = getattr(settings, attribute)
    return own or settings.api_key
