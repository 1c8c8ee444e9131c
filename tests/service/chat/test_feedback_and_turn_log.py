"""POST /feedback and the one JSON log line per turn."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.providers import Usage
from service.providers.pricing import estimate_cost, price_of
from service.settings import Settings
from tests.support.fake_openai import FakeOpenAI
from tests.support.settings import tweak


def start(client: TestClient[Any], message: str = "Where did you study?") -> str:
    response = client.post("/chat", json={"message": message})
    assert response.status_code == 200
    session_id: str = response.json()["session_id"]
    return session_id


def test_each_reply_carries_the_number_feedback_takes(client: TestClient[Any]) -> None:
    first = client.post("/chat", json={"message": "Hi"}).json()
    sid = first["session_id"]
    second = client.post("/chat", json={"message": "Where did you study?", "session_id": sid}).json()
    key = "numbered-0123456789abcdef"
    body = {"message": "What do you do?", "session_id": sid, "idempotency_key": key}
    streamed = client.post("/chat/stream", json=body).text
    replayed = client.post("/chat", json=body).json()  # a retry keeps its number
    fourth = client.post("/chat", json={"message": "Thanks", "session_id": sid}).json()
    assert (first["reply"], second["reply"], replayed["reply"], fourth["reply"]) == (1, 2, 3, 4)
    assert '"reply":3' in streamed.split("event: done", 1)[1]
    assert client.post("/feedback", json={"session_id": sid, "reply": 4, "rating": "up"}).status_code == 201


def test_feedback_on_a_reply_is_recorded_and_a_second_vote_replaces_it(
    client: TestClient[Any], settings: Settings
) -> None:
    sid = start(client)
    first = client.post(
        "/feedback", json={"session_id": sid, "reply": 1, "rating": "down", "comment": "vague"}
    )
    assert first.status_code == 201
    assert first.json() == {"recorded": True, "session_id": sid, "reply": 1, "rating": "down"}
    assert client.post("/feedback", json={"session_id": sid, "reply": 1, "rating": "up"}).status_code == 201
    [stored] = ((settings.storage.memory_dir / "records") / "feedback").glob("*.json")
    assert json.loads(stored.read_text())["rating"] == "up"


async def test_feedback_is_stored_in_the_records_store(settings: Settings) -> None:
    from service.app import build_twin

    twin = build_twin(settings)
    turn = await twin.engine.reply("Where did you study?", None)
    await twin.owner.record_feedback(turn.session_id, 1, "down", "vague")
    await twin.owner.record_feedback(turn.session_id, 1, "up")
    [vote] = await twin.owner.feedback()
    assert (vote.session_id, vote.reply, vote.rating, vote.comment) == (turn.session_id, 1, "up", "")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"reply": 1, "rating": "up"},
        {"session_id": "short", "reply": 1, "rating": "up"},
        {"session_id": "x" * 32, "reply": 0, "rating": "up"},
        {"session_id": "x" * 32, "reply": -3, "rating": "up"},
        {"session_id": "x" * 32, "reply": "one", "rating": "up"},
        {"session_id": "x" * 32, "reply": 1, "rating": "meh"},
        {"session_id": "x" * 32, "reply": 1, "rating": "up", "comment": "c" * 1001},
        {"session_id": "x" * 32, "reply": 1, "rating": "up", "extra": True},
    ],
)
def test_malformed_feedback_is_a_400(client: TestClient[Any], body: dict[str, Any]) -> None:
    assert client.post("/feedback", json=body).status_code == 400


def test_feedback_on_an_unknown_session_or_reply_is_a_404(client: TestClient[Any]) -> None:
    assert (
        client.post("/feedback", json={"session_id": "x" * 32, "reply": 1, "rating": "up"}).status_code == 404
    )
    sid = start(client)
    response = client.post("/feedback", json={"session_id": sid, "reply": 2, "rating": "up"})
    assert response.status_code == 404
    assert "reply 2 not found: the session has 1 replies" in response.json()["detail"]


def test_feedback_is_in_the_openapi_schema(client: TestClient[Any]) -> None:
    schema = client.get("/schema/openapi.json").json()
    assert "post" in schema["paths"]["/feedback"]


def turn_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "twin.turns"]


def test_each_turn_logs_one_json_line_without_text_or_personal_data(
    client: TestClient[Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        sid = start(client, "Where did you study?")
        client.post("/chat", json={"message": "write to me at zed@example.com", "session_id": sid})
    first, second = turn_lines(caplog)
    assert first["event"] == "turn" and first["outcome"] == "answered" and first["new_session"] is True
    assert first["provider"] == "offline" and first["model"] == "offline-bm25"
    assert first["cost_usd"] == 0.0 and first["tokens_in"] == 0
    assert first["latency_ms"] >= first["ttft_ms"] >= 0
    assert second["outcome"] == "tool_used" and second["tools"] == ["record_contact"]
    assert first["session"] == second["session"] != sid and len(first["session"]) == 16
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "twin.turns")
    for private in ("zed@", sid, "study", "Where"):
        assert private not in text


def test_a_retry_answered_from_memory_logs_a_replayed_turn_that_cost_nothing(
    client: TestClient[Any], caplog: pytest.LogCaptureFixture
) -> None:
    body = {"message": "Where did you study?", "idempotency_key": "logged-0123456789abcdef"}
    with caplog.at_level(logging.INFO):
        client.post("/chat", json=body)
        client.post("/chat", json=body)
    first, again = turn_lines(caplog)
    assert (first["outcome"], again["outcome"]) == ("answered", "replayed")
    assert again["session"] == first["session"] and again["tokens_in"] == again["tokens_out"] == 0


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(prompt_tokens=1000) as server:
        yield server


@pytest.fixture
def openai_client(settings: Settings, fake: FakeOpenAI) -> Iterator[TestClient[Any]]:
    """Built before the test body: the app's logging set-up would drop pytest's capturing handler."""
    openai = tweak(
        settings,
        TWIN_PROVIDER="openai",
        OPENAI_BASE_URL=fake.base_url,
        OPENAI_API_KEY="sk-t",
        TWIN_LLM_MAX_RETRIES=0,
    )
    with TestClient(app=create_app(openai)) as client:
        yield client


def test_openai_turn_logs_tokens_cost_and_a_failed_turn_its_error_kind(
    openai_client: TestClient[Any], fake: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        fake.reply("Hello there")
        assert openai_client.post("/chat", json={"message": "hi"}).status_code == 200
        fake.fail(500)
        assert openai_client.post("/chat", json={"message": "hi"}).status_code == 503
    ok, failed = turn_lines(caplog)
    assert ok["model"] == "gpt-4o-mini" and ok["tokens_in"] == 1000 and ok["tokens_out"] > 0
    usage = Usage(prompt_tokens=1000, completion_tokens=ok["tokens_out"])
    assert ok["cost_usd"] == estimate_cost("gpt-4o-mini", usage)
    assert failed["outcome"] == "error" and failed["error"] == "model_unavailable"


def test_price_table_knows_dated_variants_and_not_unknown_models() -> None:
    assert price_of("gpt-4o-mini-2024-07-18") == price_of("gpt-4o-mini")
    assert estimate_cost("llama3:8b", Usage(prompt_tokens=10)) is None
    assert estimate_cost("gpt-4o", Usage(prompt_tokens=1_000_000, completion_tokens=1_000_000)) == 12.5
