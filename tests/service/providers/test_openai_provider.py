"""The OpenAI provider against a local OpenAI-compatible server speaking the real wire format."""

from __future__ import annotations

import logging
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.providers import (
    Provider,
    ProviderRateLimited,
    ProviderRequest,
    ProviderTimeout,
    ProviderUnavailable,
    Usage,
    compatible_provider,
)
from service.settings import Settings
from tests.support.fake_openai import FakeOpenAI
from tests.support.forward_proxy import ForwardProxy
from tests.support.serve import free_port
from tests.support.settings import tweak
from tests.support.sse import parse_sse

REQUEST = ProviderRequest(system="You are a twin.", history=(), message="hi", max_tokens=50)


@pytest.fixture(params=["httpx", "aiohttp"])
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """Every test here runs on both of the official client's transports (TWIN_HTTP_CLIENT)."""
    return tweak(settings, TWIN_HTTP_CLIENT=request.param)


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def openai_settings(settings: Settings, fake: FakeOpenAI) -> Settings:
    return tweak(
        settings,
        TWIN_PROVIDER=None,
        OPENAI_API_KEY="sk-test",
        OPENAI_BASE_URL=fake.base_url,
        TWIN_MODEL="test-model",
        TWIN_LLM_TIMEOUT_SECONDS=2.0,
        TWIN_LLM_MAX_RETRIES=0,
    )


async def collect(provider: Provider, request: ProviderRequest) -> list[str | Usage]:
    try:
        return [item async for item in provider.stream(request)]
    finally:
        await provider.close()


async def test_streaming_yields_deltas_then_reported_usage(
    fake: FakeOpenAI, openai_settings: Settings
) -> None:
    fake.reply("Hello", " there", "!", prompt_tokens=11, completion_tokens=3)
    items = await collect(compatible_provider(openai_settings.model), REQUEST)
    assert items == ["Hello", " there", "!", Usage(prompt_tokens=11, completion_tokens=3)]
    sent = fake.last_request
    assert sent["stream"] is True and sent["model"] == "test-model" and sent["max_tokens"] == 50
    assert sent["messages"] == [
        {"role": "system", "content": "You are a twin."},
        {"role": "user", "content": "hi"},
    ]
    assert fake.headers[-1]["authorization"] == "Bearer sk-test"


async def test_plain_wire_format_yields_one_delta_and_usage(
    fake: FakeOpenAI, openai_settings: Settings
) -> None:
    fake.reply("Whole ", "answer", prompt_tokens=9, completion_tokens=2)
    items = await collect(
        compatible_provider(openai_settings.model), msgspec.structs.replace(REQUEST, stream=False)
    )
    assert items == ["Whole answer", Usage(prompt_tokens=9, completion_tokens=2)]
    assert "stream" not in fake.last_request or fake.last_request["stream"] is False


@pytest.mark.parametrize("stream", [True, False])
async def test_upstream_500_is_a_clear_unavailable_error(
    fake: FakeOpenAI, openai_settings: Settings, stream: bool
) -> None:
    fake.fail(status=500)
    with pytest.raises(ProviderUnavailable, match=r"model service failed \(HTTP 500\)"):
        await collect(
            compatible_provider(openai_settings.model), msgspec.structs.replace(REQUEST, stream=stream)
        )


async def test_upstream_429_carries_retry_after(fake: FakeOpenAI, openai_settings: Settings) -> None:
    fake.fail(status=429, retry_after=7)
    with pytest.raises(ProviderRateLimited) as caught:
        await collect(compatible_provider(openai_settings.model), REQUEST)
    assert caught.value.retry_after == 7


@pytest.fixture
def hangs_up() -> Iterator[str]:
    """A server that reads each request and closes the connection without a reply."""

    class HangUp(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.recv(65536)

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), HangUp) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
        server.shutdown()


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("upstream", ["refuses connections", "hangs up without a reply"])
async def test_an_upstream_that_cannot_be_reached_is_unreachable_not_slow(
    openai_settings: Settings, hangs_up: str, stream: bool, upstream: str
) -> None:
    refusing = f"http://127.0.0.1:{free_port()}/v1"
    nowhere = tweak(
        openai_settings, OPENAI_BASE_URL=refusing if upstream == "refuses connections" else hangs_up
    )
    with pytest.raises(ProviderUnavailable, match="cannot be reached"):
        await collect(compatible_provider(nowhere.model), msgspec.structs.replace(REQUEST, stream=stream))


async def test_upstream_timeout_is_a_clear_timeout_error(fake: FakeOpenAI, openai_settings: Settings) -> None:
    fake.hang(10)
    quick = tweak(openai_settings, TWIN_LLM_TIMEOUT_SECONDS=0.3)
    with pytest.raises(ProviderTimeout, match="took too long"):
        await collect(compatible_provider(quick.model), REQUEST)


async def test_stream_cut_half_way_is_an_error_not_a_short_reply(
    fake: FakeOpenAI, openai_settings: Settings
) -> None:
    fake.cut_stream_after(2, "a", "b", "c", "d")
    with pytest.raises(ProviderUnavailable):
        await collect(compatible_provider(openai_settings.model), REQUEST)


@pytest.mark.parametrize("stream", [True, False])
async def test_malformed_json_is_a_clear_error(
    fake: FakeOpenAI, openai_settings: Settings, stream: bool
) -> None:
    fake.malformed()
    with pytest.raises(ProviderUnavailable, match="unreadable"):
        await collect(
            compatible_provider(openai_settings.model), msgspec.structs.replace(REQUEST, stream=stream)
        )


def test_app_streams_from_the_upstream_and_stores_usage(
    fake: FakeOpenAI, openai_settings: Settings, tmp_path: Path
) -> None:
    fake.reply("I lead ", "platform ", "work.", prompt_tokens=120, completion_tokens=4)
    with TestClient(app=create_app(openai_settings)) as client:
        assert client.get("/health").json()["provider"] == "openai"
        events = parse_sse(client.post("/chat/stream", json={"message": "What do you do?"}).text)
        assert [d["text"] for n, d in events if n == "delta"] == ["I lead ", "platform ", "work."]
        session_id = events[0][1]["session_id"]
    sent = fake.last_request["messages"]
    assert isinstance(sent, list) and sent[0]["role"] == "system" and "digital twin" in sent[0]["content"]
    stored = (openai_settings.storage.memory_dir / f"{session_id}.json").read_bytes()
    assert b'"prompt_tokens":120' in stored and b'"completion_tokens":4' in stored


def test_history_is_sent_with_the_next_turn(fake: FakeOpenAI, openai_settings: Settings) -> None:
    fake.reply("First answer.")
    fake.reply("Second answer.")
    with TestClient(app=create_app(openai_settings)) as client:
        session_id = client.post("/chat", json={"message": "First question"}).json()["session_id"]
        client.post("/chat", json={"message": "Second question", "session_id": session_id})
    roles = [(m["role"], m["content"]) for m in fake.last_request["messages"]][1:]  # type: ignore[index, union-attr]
    assert roles == [
        ("user", "First question"),
        ("assistant", "First answer."),
        ("user", "Second question"),
    ]


@pytest.fixture
def info_client(fake: FakeOpenAI, openai_settings: Settings) -> Iterator[TestClient]:  # type: ignore[type-arg]
    """Started before the test body: the app's logging set-up would drop pytest's capturing handler."""
    with TestClient(app=create_app(tweak(openai_settings, TWIN_LOG_LEVEL="INFO"))) as client:
        yield client


def test_upstream_requests_are_not_logged_one_by_one(
    fake: FakeOpenAI,
    info_client: TestClient,  # type: ignore[type-arg]
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake.reply("Hello.")
    with caplog.at_level(logging.INFO):
        info_client.post("/chat", json={"message": "Hi"})
    assert [r for r in caplog.records if r.name == "twin.turns"]  # the turn's own line is there
    assert not [r for r in caplog.records if r.name.startswith(("httpx", "httpcore"))]


def script_failure(fake: FakeOpenAI, kind: str) -> None:
    if kind == "500":
        fake.fail(status=500)
    elif kind == "429":
        fake.fail(status=429, retry_after=3)
    elif kind == "cut":
        fake.cut_stream_after(1, "partial ", "reply")
    else:
        fake.malformed()


@pytest.mark.parametrize("kind", ["500", "429", "cut", "malformed"])
def test_upstream_failures_reach_the_visitor_as_clear_errors_and_store_nothing(
    fake: FakeOpenAI, openai_settings: Settings, kind: str
) -> None:
    with TestClient(app=create_app(openai_settings)) as client:
        script_failure(fake, kind)
        response = client.post("/chat", json={"message": "hi"})
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) >= 1
        assert "Traceback" not in response.text and "sk-test" not in response.text
        script_failure(fake, kind)
        events = parse_sse(client.post("/chat/stream", json={"message": "hi"}).text)
        assert events[0][0] == "session" and events[-1][0] == "error"
        assert events[-1][1]["error"] == "model_unavailable" and events[-1][1]["retry_after"] >= 1
        assert client.get("/health").status_code == 200
    assert not list(openai_settings.storage.memory_dir.glob("*.json"))


@pytest.mark.parametrize("stream", [True, False])
async def test_the_model_is_called_through_the_proxy_the_environment_names(
    fake: FakeOpenAI, openai_settings: Settings, monkeypatch: pytest.MonkeyPatch, stream: bool
) -> None:
    """Behind a company proxy, `HTTP_PROXY` and `NO_PROXY` apply on both transports."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    fake.reply("Through ", "the proxy", prompt_tokens=5, completion_tokens=3)
    with ForwardProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        items = await collect(
            compatible_provider(openai_settings.model), msgspec.structs.replace(REQUEST, stream=stream)
        )
        assert proxy.requests == [f"POST {fake.base_url}/chat/completions"]
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        fake.reply("Direct")
        direct = await collect(compatible_provider(openai_settings.model), REQUEST)
    assert "".join(item for item in items if isinstance(item, str)) == "Through the proxy"
    assert direct[0] == "Direct" and len(proxy.requests) == 1  # NO_PROXY: straight to the upstream


def test_a_persona_too_long_for_the_model_is_warned_about_at_start(
    openai_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """gpt-4o-mini's 128k window, less a 600-token reply and 127,000 tokens of history: 400 tokens
    for a prompt of some 2,700."""
    crowded = tweak(openai_settings, TWIN_MODEL="gpt-4o-mini", TWIN_HISTORY_TOKEN_BUDGET=127_000)
    roomy = tweak(crowded, TWIN_HISTORY_TOKEN_BUDGET=3000)
    logged = []
    for settings in (crowded, roomy):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="twin"), TestClient(app=create_app(settings)):
            pass
        logged.append(caplog.text)
    assert (
        "the persona's system prompt is about" in logged[0] and "over the 400 that gpt-4o-mini" in logged[0]
    )
    assert "system prompt" not in logged[1]
