"""The engine against each provider's quirks, reproduced by the local test server, plain and streamed,
with tools: Anthropic's merged system messages and temperature cap, Gemini's whole-object tool-call
chunks, required thought signatures and missing stream usage, Bedrock's API key, OpenAI and Ollama."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from service.app import build_twin
from service.settings import Settings
from tests.support.fake_openai import BEDROCK_KEY_PREFIX, MODES, FakeOpenAI
from tests.support.settings import tweak

CONTACT = '{"email": "visitor@example.org", "name": "Ada", "note": "a platform role"}'


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fake(mode: str) -> Iterator[FakeOpenAI]:
    with FakeOpenAI(mode=mode) as server:
        yield server


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials as a Lambda's role provides them (in its environment); never real ones."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIATESTTESTTESTTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret-not-real")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "test-session-token")
    for name in ("AWS_PROFILE", "AWS_BEARER_TOKEN_BEDROCK", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)


def on_profile(settings: Settings, mode: str, base_url: str, **env: Any) -> Settings:
    """Settings choosing the profile `mode`, its key from its own variable, the test server's URL."""
    keys = {
        "openai": {"OPENAI_API_KEY": "sk-test"},
        "anthropic": {"ANTHROPIC_API_KEY": "sk-ant-test"},
        "gemini": {"GEMINI_API_KEY": "gemini-test"},
        "bedrock": {"AWS_REGION": "eu-west-1"},  # no key: minted from the AWS credentials
        "ollama": {},
    }[mode]
    model = {
        "TWIN_PROVIDER": mode,
        "OPENAI_BASE_URL": base_url,
        "TWIN_MODEL": "gpt-fake",
        "TWIN_LLM_MAX_RETRIES": 0,
        "TWIN_LLM_TIMEOUT_SECONDS": 5.0,
    }
    return tweak(settings, **(model | keys | env))


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "plain"])
@pytest.mark.usefixtures("aws_credentials")
async def test_a_tool_call_and_the_reply_after_it_work_on_every_provider(
    settings: Settings, fake: FakeOpenAI, mode: str, stream: bool, caplog: pytest.LogCaptureFixture
) -> None:
    fake.tool_call("record_contact", CONTACT, then=("Thanks, ", "I passed it on."), fragments=4)
    twin = build_twin(on_profile(settings, mode, fake.base_url))
    try:
        with caplog.at_level(logging.INFO, logger="twin.turns"):
            turn = await twin.engine.begin("Reach me at visitor@example.org", None, stream=stream)
            reply = "".join([piece async for piece in turn.deltas()])
        contacts = await twin.owner.contacts()
    finally:
        await twin.close()

    assert reply == "Thanks, I passed it on."
    assert fake.refused == []  # every quirk was met: signatures sent back, a Bedrock key
    assert [c.email for c in contacts] == ["visitor@example.org"]
    first, follow_up = fake.requests
    call = follow_up["messages"][-2]["tool_calls"][0]  # type: ignore[index]
    assert (call["function"]["name"], json.loads(call["function"]["arguments"])) == (
        "record_contact",
        json.loads(CONTACT),
    )
    assert follow_up["messages"][-1]["role"] == "tool"  # type: ignore[index]
    if mode == "gemini":
        assert call["extra_content"]["google"]["thought_signature"] == fake.signatures[call["id"]]
    else:
        assert "extra_content" not in call
    for view in fake.model_views:  # what the model saw: one system message, the persona's, first
        assert [m["role"] for m in view].count("system") == 1 and view[0]["role"] == "system"
        assert "digital twin" in str(view[0]["content"])
    if mode == "bedrock":
        assert fake.headers[0]["authorization"].startswith(f"Bearer {BEDROCK_KEY_PREFIX}")
    (line,) = [json.loads(r.getMessage()) for r in caplog.records if r.name == "twin.turns"]
    estimated = stream and mode == "gemini"  # Gemini streams no usage: twin estimates it
    assert (line["provider"], line["outcome"], line["tokens_estimated"]) == (mode, "tool_used", estimated)
    assert line["charged"] and line["charged_tokens"] == line["tokens_in"] + line["tokens_out"] > 0
    assert ("stream_options" in first) == (stream and mode != "gemini")


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "plain"])
@pytest.mark.usefixtures("aws_credentials")
async def test_a_plain_reply_carries_the_providers_usage_or_an_estimate(
    settings: Settings, fake: FakeOpenAI, mode: str, stream: bool
) -> None:
    fake.reply("I lead ", "payments.", prompt_tokens=900, completion_tokens=3)
    twin = build_twin(on_profile(settings, mode, fake.base_url))
    try:
        turn = await twin.engine.begin("Where do you work?", None, stream=stream)
        assert "".join([piece async for piece in turn.deltas()]) == "I lead payments."
    finally:
        await twin.close()
    if stream and mode == "gemini":
        assert turn.usage.estimated and turn.usage.prompt_tokens > 1000  # the persona alone is more
    else:
        assert (turn.usage.prompt_tokens, turn.usage.completion_tokens, turn.usage.estimated) == (
            900,
            3,
            False,
        )


@pytest.mark.parametrize(("mode", "sent"), [("anthropic", 1.0), ("openai", 1.5)])
async def test_temperature_is_lowered_to_what_the_provider_accepts(
    settings: Settings, mode: str, sent: float
) -> None:
    with FakeOpenAI(mode=mode) as fake:
        twin = build_twin(on_profile(settings, mode, fake.base_url, TWIN_TEMPERATURE=1.5))
        try:
            turn = await twin.engine.begin("Hi", None, stream=False)
            [piece async for piece in turn.deltas()]
        finally:
            await twin.close()
        assert fake.last_request["temperature"] == sent
