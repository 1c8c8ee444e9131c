"""Provider profiles: each sets its base URL, reads its own key and shapes requests by its capabilities."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import msgspec
import pytest

from service.environment import SettingsError
from service.providers import ProviderRequest, ProviderUnavailable, compatible_provider
from service.providers.bedrock_keys import KEY_LIFETIME, RENEW_AFTER_SECONDS, BedrockKeys, mint_key
from service.providers.pricing import estimate_cost
from service.providers.profiles import PROFILES, api_key_for, base_url_for, profile_for
from service.providers.usage import Usage
from tests.support.settings import settings_for

REQUEST = ProviderRequest(system="S", history=(), message="m", max_tokens=5, cache_key="k")


@pytest.mark.parametrize(
    ("env", "url", "key"),
    [
        ({"TWIN_PROVIDER": "openai", "OPENAI_API_KEY": "sk"}, None, "sk"),
        ({"TWIN_PROVIDER": "anthropic", "ANTHROPIC_API_KEY": "a"}, "https://api.anthropic.com/v1/", "a"),
        (
            {"TWIN_PROVIDER": "gemini", "GEMINI_API_KEY": "g"},
            "https://generativelanguage.googleapis.com/v1beta/openai/",
            "g",
        ),
        (
            {"TWIN_PROVIDER": "bedrock", "AWS_REGION": "eu-west-1", "AWS_BEARER_TOKEN_BEDROCK": "b"},
            "https://bedrock-runtime.eu-west-1.amazonaws.com/openai/v1",
            "b",
        ),
        ({"TWIN_PROVIDER": "ollama"}, "http://127.0.0.1:11434/v1", None),
        (
            {"TWIN_PROVIDER": "gemini", "OPENAI_API_KEY": "k", "OPENAI_BASE_URL": "http://p/v1"},
            "http://p/v1",
            "k",
        ),
        ({"OPENAI_BASE_URL": "http://127.0.0.1:8080/v1"}, "http://127.0.0.1:8080/v1", None),
    ],
)
def test_each_profile_sets_its_base_url_and_reads_its_own_key(
    env: dict[str, str], url: str | None, key: str | None
) -> None:
    model = settings_for(**env).model
    profile = profile_for(model)
    assert (base_url_for(profile, model), api_key_for(profile, model)) == (url, key)


def test_bedrock_without_a_region_or_base_url_is_refused_by_name() -> None:
    with pytest.raises(SettingsError, match="TWIN_PROVIDER=bedrock needs AWS_REGION"):
        settings_for(TWIN_PROVIDER="bedrock")


def test_only_providers_that_honour_them_get_stream_usage_strict_tools_and_a_cache_key() -> None:
    from service.owner.tools import TOOLS

    request = msgspec.structs.replace(REQUEST, tools=TOOLS)
    for name, profile in PROFILES.items():
        env = {"TWIN_PROVIDER": name, "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
        body = msgspec.json.decode(compatible_provider(settings_for(**env).model).body(request))  # type: ignore[attr-defined]
        capabilities = profile.capabilities
        assert ("stream_options" in body) == capabilities.stream_usage
        assert all(
            tool["function"].get("strict", False) == capabilities.strict_tools for tool in body["tools"]
        )
        assert ("prompt_cache_key" in body) == capabilities.prompt_cache_key
        assert ("parallel_tool_calls" in body) == capabilities.parallel_tool_calls


async def test_bedrock_keys_are_minted_once_and_again_before_they_expire() -> None:
    minted: list[str] = []
    now = [0.0]

    def mint(region: str) -> str:
        minted.append(region)
        return f"bedrock-api-key-{len(minted)}"

    keys = BedrockKeys("eu-west-1", mint=mint, clock=lambda: now[0])
    assert [await keys(), await keys()] == ["bedrock-api-key-1", "bedrock-api-key-1"]
    now[0] = RENEW_AFTER_SECONDS + 1
    assert await keys() == "bedrock-api-key-2" and minted == ["eu-west-1", "eu-west-1"]


async def test_no_aws_credentials_is_an_unavailable_model_not_an_internal_error() -> None:
    def mint(region: str) -> str:
        raise RuntimeError("No AWS credentials found.")

    with pytest.raises(ProviderUnavailable, match="no AWS credentials"):
        await BedrockKeys("eu-west-1", mint=mint)()


def test_a_minted_key_is_what_the_aws_token_generator_makes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIATESTTESTTESTTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret-not-real")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "test-session-token")
    from aws_bedrock_token_generator import provide_token

    def fields(key: str) -> dict[str, list[str]]:
        """The presigned request's query, less the parts that depend on the second it was signed."""
        assert key.startswith("bedrock-api-key-")
        url = base64.b64decode(key.removeprefix("bedrock-api-key-")).decode()
        query = parse_qs(urlsplit("https://" + url).query)
        return {name: value for name, value in query.items() if name not in ("X-Amz-Date", "X-Amz-Signature")}

    ours, theirs = mint_key("eu-west-1"), provide_token(region="eu-west-1", expiry=KEY_LIFETIME)
    assert fields(ours) == fields(theirs)
    assert (
        fields(ours)["Action"] == ["CallWithBearerToken"]
        and "eu-west-1" in fields(ours)["X-Amz-Credential"][0]
    )


@pytest.mark.parametrize(
    ("model", "usage", "dollars"),
    [
        ("gpt-4o-mini", Usage(prompt_tokens=1_000_000, cached_tokens=1_000_000), 0.075),
        ("gpt-4o-mini-2024-07-18", Usage(prompt_tokens=2_000_000, cached_tokens=1_000_000), 0.225),
        ("us.anthropic.claude-3-5-haiku-20241022-v1:0", Usage(completion_tokens=1_000_000), 4.0),
        ("openai.gpt-oss-120b-1:0", Usage(prompt_tokens=1_000_000), 0.15),
    ],
)
def test_cached_prompt_tokens_are_priced_as_cached_and_bedrock_models_have_prices(
    model: str, usage: Usage, dollars: float
) -> None:
    assert estimate_cost(model, usage) == pytest.approx(dollars)
