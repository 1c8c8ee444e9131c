"""The request twin builds and sends as JSON bytes is what the official client's own `create` sends for
the same parameters, streamed and plain; retries, Retry-After and errors still come from the client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import msgspec
import openai
import pytest

from service.owner.tools import TOOLS
from service.providers import (
    ChatTurn,
    Provider,
    ProviderRateLimited,
    ProviderRequest,
    ToolCall,
    ToolResult,
    ToolRound,
    Usage,
    compatible_provider,
)
from service.providers.wire import strict_schema
from service.settings import Settings
from tests.support.fake_openai import FakeOpenAI
from tests.support.settings import tweak

REQUEST = ProviderRequest(
    system="You are a twin.",
    context="\n\nToday's date: 2026-12-01.",
    history=(ChatTurn("user", "Where do you work?"), ChatTurn("assistant", "At Corvina Pay.")),
    message="Tell Freja to write to ada@example.org",
    max_tokens=60,
    tools=TOOLS,
    rounds=(
        ToolRound(
            calls=(ToolCall(id="call_1", name="record_contact", arguments='{"email": "ada@example.org"}'),),
            results=(ToolResult(call_id="call_1", content='{"ok": true}'),),
            text="One moment.",
        ),
    ),
    cache_key="0123456789abcdef",
)


@pytest.fixture(params=["httpx", "aiohttp"])
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """Every test here runs on both of the official client's transports (TWIN_HTTP_CLIENT)."""
    return tweak(settings, TWIN_HTTP_CLIENT=request.param)


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def model_settings(settings: Settings, fake: FakeOpenAI, **env: Any) -> Settings:
    model = {"TWIN_PROVIDER": "openai", "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": fake.base_url}
    return tweak(settings, **(model | {"TWIN_MODEL": "gpt-fake", "TWIN_LLM_MAX_RETRIES": 0} | env))


async def run(provider: Provider, request: ProviderRequest) -> list[Any]:
    try:
        return [item async for item in provider.stream(request)]
    finally:
        await provider.close()


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "plain"])
async def test_the_upstream_receives_what_the_clients_create_would_send(
    settings: Settings, fake: FakeOpenAI, stream: bool
) -> None:
    request = msgspec.structs.replace(REQUEST, stream=stream)
    await run(compatible_provider(model_settings(settings, fake).model), request)
    ours = fake.last_request
    parameters = {key: value for key, value in ours.items() if key not in ("model", "messages")}
    async with openai.AsyncOpenAI(api_key="sk-test", base_url=fake.base_url, max_retries=0) as client:
        created = await client.chat.completions.create(
            model="gpt-fake",
            messages=ours["messages"],  # type: ignore[arg-type]
            **parameters,
        )
        if stream:
            async for _ in created:  # type: ignore[union-attr]
                pass
    assert fake.last_request == ours
    assert fake.headers[-1]["authorization"] == fake.headers[-2]["authorization"] == "Bearer sk-test"
    assert fake.headers[-2]["content-type"] == "application/json"


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "plain"])
async def test_the_request_carries_every_message_tool_and_parameter(
    settings: Settings, fake: FakeOpenAI, stream: bool
) -> None:
    await run(
        compatible_provider(model_settings(settings, fake).model),
        msgspec.structs.replace(REQUEST, stream=stream),
    )
    sent = fake.last_request
    assert sent["messages"] == [
        {"role": "system", "content": "You are a twin.\n\nToday's date: 2026-12-01."},
        {"role": "user", "content": "Where do you work?"},
        {"role": "assistant", "content": "At Corvina Pay."},
        {"role": "user", "content": "Tell Freja to write to ada@example.org"},
        {
            "role": "assistant",
            "content": "One moment.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "record_contact", "arguments": '{"email": "ada@example.org"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"ok": true}'},
    ]
    assert sent["tools"] == [
        {
            "type": "function",
            "function": {
                "name": tool.name,
                "description": tool.description,
                "parameters": strict_schema(tool.parameters),
                "strict": True,
            },
        }
        for tool in TOOLS
    ]
    assert (sent["model"], sent["max_tokens"], sent["parallel_tool_calls"]) == ("gpt-fake", 60, False)
    assert sent["prompt_cache_key"] == "0123456789abcdef"
    assert (sent.get("stream"), sent.get("stream_options")) == (
        (True, {"include_usage": True}) if stream else (None, None)
    )


def test_strict_schemas_require_every_field_and_leave_limits_to_twins_own_check() -> None:
    contact = next(tool for tool in TOOLS if tool.name == "record_contact").parameters
    strict = strict_schema(contact)
    assert strict["required"] == ["email", "name", "note"] and strict["additionalProperties"] is False
    assert all("maxLength" not in spec and "default" not in spec for spec in strict["properties"].values())
    assert contact["required"] == ["email"]  # the spec itself is untouched


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "plain"])
async def test_a_failed_request_is_retried_with_the_same_body(
    settings: Settings, fake: FakeOpenAI, stream: bool
) -> None:
    fake.fail(status=500)
    fake.fail(status=429, retry_after=0)
    fake.reply("Fine.", prompt_tokens=7, completion_tokens=1)
    provider = compatible_provider(model_settings(settings, fake, TWIN_LLM_MAX_RETRIES=2).model)
    items = await run(provider, msgspec.structs.replace(REQUEST, stream=stream, tools=(), rounds=()))
    assert items == ["Fine.", Usage(prompt_tokens=7, completion_tokens=1)]
    first, second, third = fake.requests
    assert first == second == third


async def test_retry_after_reaches_the_visitor_when_retries_are_used_up(
    settings: Settings, fake: FakeOpenAI
) -> None:
    fake.fail(status=429, retry_after=0)
    fake.fail(status=429, retry_after=9)
    provider = compatible_provider(model_settings(settings, fake, TWIN_LLM_MAX_RETRIES=1).model)
    with pytest.raises(ProviderRateLimited) as caught:
        await run(provider, REQUEST)
    assert caught.value.retry_after == 9 and fake.request_count == 2


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "plain"])
async def test_cached_prompt_tokens_are_read_from_the_usage_details(
    settings: Settings, fake: FakeOpenAI, stream: bool
) -> None:
    fake.reply("Hi.", prompt_tokens=2048, completion_tokens=2)
    fake.cached_tokens = 1920
    provider = compatible_provider(model_settings(settings, fake).model)
    items = await run(provider, msgspec.structs.replace(REQUEST, stream=stream, rounds=()))
    assert items[-1] == Usage(prompt_tokens=2048, completion_tokens=2, cached_tokens=1920)


def test_the_request_body_is_encoded_json(settings: Settings, fake: FakeOpenAI) -> None:
    provider = compatible_provider(model_settings(settings, fake).model)
    body = provider.body(REQUEST)  # type: ignore[attr-defined]
    assert json.loads(body)["messages"][0]["content"].startswith("You are a twin.")
