"""A model service that answers wrongly: the visitor gets a reply or a clear failure, the store a whole
turn or nothing, the spend cap its tokens, and nothing the model made up reaches a log or a record."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.settings import Settings
from tests.support.fake_openai import FakeOpenAI
from tests.support.settings import on_fake_model
from tests.support.sse import parse_sse


@pytest.fixture(params=["httpx", "aiohttp"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def client_on(settings: Settings, fake: FakeOpenAI, transport: str, **env: Any) -> TestClient[Any]:
    return TestClient(
        app=create_app(on_fake_model(settings, fake.base_url, TWIN_HTTP_CLIENT=transport, **env))
    )


@pytest.fixture
def client(settings: Settings, fake: FakeOpenAI, transport: str) -> Iterator[TestClient[Any]]:
    """Made before the test runs: the app configures logging when it starts, which a test's own
    log capture would not survive."""
    with client_on(settings, fake, transport) as client:
        yield client


def turn_logs(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "twin.turns"]


def stored(client: TestClient[Any], session_id: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = client.get(f"/conversation/{session_id}").json()["messages"]
    return messages


def test_a_lone_surrogate_in_a_streamed_reply_is_replaced_not_a_broken_stream(
    settings: Settings, fake: FakeOpenAI, transport: str
) -> None:
    """JSON can escape a lone surrogate ("\\ud800"); UTF-8 cannot encode it: sending the event failed
    mid-stream, with no error event, and the page said the server could not be reached."""
    fake.reply("Hello ", "\ud800", " world")
    with client_on(settings, fake, transport) as client:
        events = parse_sse(client.post("/chat/stream", json={"message": "Hi"}).text)
        done = next(data for name, data in events if name == "done")
        assert done["response"] == "Hello \ufffd world"
        assert stored(client, done["session_id"])[-1]["content"] == "Hello \ufffd world"


@pytest.mark.parametrize("path", ["/chat", "/chat/stream"])
def test_an_empty_reply_is_a_failure_and_the_offline_fallback_answers_it(
    settings: Settings, fake: FakeOpenAI, transport: str, path: str
) -> None:
    """`content: null` (or blanks) with no tool call was stored and shown as an empty reply."""
    fake.reply("").reply("  \n")
    with client_on(settings, fake, transport) as client:
        for _ in range(2):
            failed = client.post(path, json={"message": "Where do you work?"})
            if path == "/chat":
                assert failed.status_code == 503 and "empty reply" in failed.json()["detail"]
            else:
                events = parse_sse(failed.text)
                assert events[-1][0] == "error" and "empty reply" in events[-1][1]["detail"]
    fake.reply("")
    with client_on(settings, fake, transport, TWIN_FALLBACK_OFFLINE=True) as client:
        answered = client.post("/chat", json={"message": "Where do you work?"})
        assert answered.status_code == 200 and "Corvina Pay" in answered.json()["response"]


def test_a_tool_round_whose_follow_up_fails_is_charged_for_the_tokens_it_used(
    client: TestClient[Any], fake: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    fake.tool_call("record_unanswered_question", '{"question": "Do you play the bagpipes?"}')
    fake.fail(500)
    with caplog.at_level(logging.INFO):
        failed = client.post("/chat", json={"message": "Do you play the bagpipes?"})
    assert failed.status_code == 503
    [log] = turn_logs(caplog)
    assert log["outcome"] == "error" and log["tools"] == ["record_unanswered_question"]
    assert log["charged"] and log["charged_tokens"] >= log["tokens_in"] > 0


def test_a_tool_name_the_model_made_up_is_kept_as_unknown(
    client: TestClient[Any], settings: Settings, fake: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    made_up = "visitor jane.doe@example.com said her phone is 555-0100 " + "N" * 20_000
    fake.tool_call(made_up, "{}", then="Happy to help.")
    with caplog.at_level(logging.INFO):
        reply = client.post("/chat", json={"message": "Hi"}).json()
    kept = json.loads((settings.storage.memory_dir / f"{reply['session_id']}.json").read_text())
    assert kept["messages"][-1]["tools"] == ["unknown"] and "jane.doe" not in json.dumps(kept)
    [log] = turn_logs(caplog)
    assert log["tools"] == ["unknown"] and "jane.doe" not in caplog.text


def test_a_redirect_is_not_followed_to_another_host(settings: Settings, transport: str) -> None:
    """A 307 took the whole prompt to the host it named, and that host's words became the reply."""
    with FakeOpenAI() as model, FakeOpenAI() as elsewhere:
        elsewhere.reply("from the other host")
        model.fail(307, headers={"Location": f"{elsewhere.base_url}/chat/completions"})
        with client_on(settings, model, transport) as client:
            answer = client.post("/chat", json={"message": "Where do you work?"})
        assert answer.status_code == 503 and "HTTP 307" in answer.json()["detail"]
        assert elsewhere.request_count == 0


@pytest.mark.parametrize("path", ["/chat", "/chat/stream"])
def test_a_reply_trickling_in_is_cut_at_the_calls_deadline(
    settings: Settings, fake: FakeOpenAI, transport: str, path: str
) -> None:
    """Each read is within the read timeout (a stream's pieces 0.3 s apart, a whole reply after
    1.5 s), so only the call's own deadline ends it."""
    if path == "/chat":
        fake.hang(1.5, then="I work at Corvina Pay.")
    else:
        fake.reply(*("word " for _ in range(10)), delay=0.3)
    env = {"TWIN_LLM_TIMEOUT_SECONDS": 2.0, "TWIN_LLM_DEADLINE_SECONDS": 1.0}
    with client_on(settings, fake, transport, **env) as client:
        answer = client.post(path, json={"message": "Where do you work?"})
        if path == "/chat":
            assert answer.status_code == 503 and answer.json()["detail"].startswith("the model took too long")
        else:
            events = parse_sse(answer.text)
            assert events[-1][0] == "error" and events[-1][1]["detail"].startswith("the model took too long")
            assert [name for name, _ in events].count("done") == 0
        assert client.get("/owner/api/session").status_code in (401, 404)  # the app goes on serving


@pytest.mark.parametrize("path", ["/chat", "/chat/stream"])
def test_no_offline_fallback_after_the_visitor_has_words_from_a_round_before_a_tool_call(
    settings: Settings, fake: FakeOpenAI, transport: str, path: str
) -> None:
    """The offline answer was appended to "Let me pass that on." and the turn logged as a fallback."""
    fake.tool_call("record_unanswered_question", '{"question": "Do you sail?"}', text="Let me pass that on. ")
    fake.fail(500)
    with client_on(settings, fake, transport, TWIN_FALLBACK_OFFLINE=True) as client:
        answer = client.post(path, json={"message": "Do you sail?"})
    if path == "/chat":
        assert answer.status_code == 503
    else:
        events = parse_sse(answer.text)
        assert events[-1][0] == "error" and "done" not in [name for name, _ in events]


@pytest.mark.parametrize("path", ["/chat", "/chat/stream"])
def test_a_reply_far_past_max_tokens_is_cut_where_a_model_keeping_to_it_would_be(
    settings: Settings, fake: FakeOpenAI, transport: str, path: str
) -> None:
    """An upstream ignoring `max_tokens` sent 1 MB, relayed and stored whole. 50 tokens allow 800
    characters (16 a token, four times the usual)."""
    fake.reply(*("y" * 300 for _ in range(10)))
    with client_on(settings, fake, transport, TWIN_MAX_REPLY_TOKENS=50) as client:
        answer = client.post(path, json={"message": "Where do you work?"})
        if path == "/chat":
            reply = answer.json()
        else:
            reply = next(data for name, data in parse_sse(answer.text) if name == "done")
        assert reply["response"] == "y" * 800
        assert stored(client, reply["session_id"])[-1]["content"] == "y" * 800
