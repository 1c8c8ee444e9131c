"""Abuse and cost: rate limits, origins, body and conversation limits, idempotent retries, fallback."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import pytest
from litestar.testing import TestClient
from mangum import Mangum
from mangum.types import ASGI

from service.app import create_app
from service.environment import SettingsError
from service.settings import Settings
from tests.support.apigw import API_HOST, http_event
from tests.support.fake_openai import FakeOpenAI
from tests.support.owner import PASSWORD as OWNER_PASSWORD
from tests.support.owner import signed_in
from tests.support.settings import tweak
from tests.support.sse import parse_sse

SECRET_KEY = "sk-test-owner-secret-0123456789"


def client_for(settings: Settings, **env: Any) -> TestClient:  # type: ignore[type-arg]
    return TestClient(app=create_app(tweak(settings, **env)))


def chat(client: TestClient, message: str = "Where do you work?", **body: Any) -> Any:  # type: ignore[type-arg]
    return client.post("/chat", json={"message": message, **body})


def test_per_ip_limit_answers_429_with_retry_after(settings: Settings) -> None:
    with client_for(settings, TWIN_RATE_LIMIT_PER_MINUTE=2) as client:
        assert chat(client).status_code == 200
        assert chat(client).status_code == 200
        limited = chat(client)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.json()["extra"]["error"] == "rate_limited"
    assert "too many messages from your address" in limited.json()["detail"]


def test_per_session_and_new_session_limits(settings: Settings) -> None:
    with client_for(settings, TWIN_SESSION_RATE_LIMIT_PER_MINUTE=1, TWIN_NEW_SESSIONS_PER_HOUR=1) as client:
        session_id = chat(client).json()["session_id"]
        assert chat(client, session_id=session_id).status_code == 200  # counts follow-ups in the session
        assert chat(client, session_id=session_id).status_code == 429
        assert "in this conversation" in chat(client, session_id=session_id).json()["detail"]
        assert "new conversations" in chat(client).json()["detail"]


def test_zero_turns_limits_off(settings: Settings) -> None:
    with client_for(
        settings,
        TWIN_RATE_LIMIT_PER_MINUTE=0,
        TWIN_SESSION_RATE_LIMIT_PER_MINUTE=0,
        TWIN_NEW_SESSIONS_PER_HOUR=0,
    ) as c:
        assert all(chat(c).status_code == 200 for _ in range(40))


def test_behind_api_gateway_the_ip_comes_from_the_request_context_not_a_header(settings: Settings) -> None:
    deployed = tweak(settings, TWIN_RATE_LIMIT_PER_MINUTE=1, TWIN_ALLOWED_HOSTS=(API_HOST,))
    handler = Mangum(cast(ASGI, create_app(deployed)), lifespan="off")

    def call(source_ip: str, forwarded: str) -> int:
        headers = {"content-type": "application/json", "x-forwarded-for": forwarded}
        body = json.dumps({"message": "Hi"})
        event = http_event("POST", "/chat", body=body, source_ip=source_ip, headers=headers)
        return int(handler(event, cast(Any, None))["statusCode"])

    assert call("198.51.100.1", "10.0.0.1") == 200
    assert call("198.51.100.1", "10.0.0.2") == 429  # a forged header does not make a new client
    assert call("198.51.100.2", "10.0.0.1") == 200  # another address is another client


def test_a_body_over_the_limit_is_413(settings: Settings) -> None:
    with client_for(settings, TWIN_MAX_BODY_BYTES=1700, TWIN_MAX_MESSAGE_CHARS=50) as client:
        response = client.post("/chat", content=json.dumps({"message": "x" * 2000}),
                               headers={"content-type": "application/json"})  # fmt: skip
    assert response.status_code == 413


def test_a_message_within_the_limit_is_never_413_however_its_json_escapes_it(settings: Settings) -> None:
    """Found while fuzzing with schemathesis: 4000 emoji sent as `json.dumps` does (12 bytes each)
    made a 48 kB body, over the then default 32 kB limit, so a message the schema allows was refused."""
    assert (
        settings.limits.max_message_chars == 4000 and settings.limits.max_body_bytes == 49_152
    )  # the defaults
    with client_for(settings) as client:
        for message in ("\U0001f600" * 4000, "\u00e9" * 4000, "\x01" * 3999 + "a"):
            body = json.dumps({"message": message, "idempotency_key": "k" * 64})  # ASCII-escaped
            response = client.post("/chat", content=body, headers={"content-type": "application/json"})
            assert response.status_code == 200, (len(body), response.text)
        too_long = json.dumps({"message": "\U0001f600" * 4001})
        response = client.post("/chat", content=too_long, headers={"content-type": "application/json"})
        assert response.status_code == 400 and response.json()["extra"]["error"] == "message_too_long"


def test_a_body_limit_too_small_for_the_message_limit_stops_start_up() -> None:
    with pytest.raises(SettingsError, match=r"TWIN_MAX_BODY_BYTES must be at least 49024 .*got 32768"):
        Settings.from_env({"TWIN_MAX_BODY_BYTES": "32768"}, env_file=None)
    small = {"TWIN_MAX_BODY_BYTES": "2048", "TWIN_MAX_MESSAGE_CHARS": "80"}
    assert Settings.from_env(small, env_file=None).limits.max_body_bytes == 2048


def test_only_configured_origins_may_chat(settings: Settings) -> None:
    with client_for(settings, CORS_ORIGINS=("https://owner.example",)) as client:
        refused = client.post(
            "/chat/stream", json={"message": "Hi"}, headers={"origin": "https://evil.example"}
        )
        assert refused.status_code == 403 and refused.json()["extra"]["error"] == "origin_not_allowed"
        assert chat(client).status_code == 200  # no Origin: not a browser page, allowed
        allowed = client.post("/chat", json={"message": "Hi"}, headers={"origin": "https://owner.example"})
        assert allowed.status_code == 200


def test_security_headers_on_every_response(client: TestClient) -> None:  # type: ignore[type-arg]
    for response in (client.get("/health"), chat(client), client.get("/conversation/" + "A" * 32)):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert "content-security-policy" not in client.get("/schema/swagger").headers


def test_a_full_conversation_must_start_afresh(settings: Settings) -> None:
    with client_for(settings, TWIN_MAX_SESSION_TURNS=2) as client:
        session_id = chat(client).json()["session_id"]
        assert chat(client, session_id=session_id).status_code == 200
        full = chat(client, session_id=session_id)
    assert full.status_code == 409 and "start a new one" in full.json()["detail"]


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def model(settings: Settings, fake: FakeOpenAI, **env: Any) -> TestClient:  # type: ignore[type-arg]
    return client_for(
        settings, TWIN_PROVIDER=None, OPENAI_API_KEY=SECRET_KEY, OPENAI_BASE_URL=fake.base_url,
        TWIN_MODEL="gpt-fake", TWIN_LLM_MAX_RETRIES=0, TWIN_LLM_TIMEOUT_SECONDS=2.0, **env,
    )  # fmt: skip


def test_a_retried_message_is_answered_from_memory_not_billed_twice(
    settings: Settings, fake: FakeOpenAI
) -> None:
    fake.reply("I work at Corvina Pay.")
    with model(settings, fake) as client:
        session_id = chat(client, "Hello").json()["session_id"]
        key = "retry-key-0123456789abcdef"
        first = chat(client, session_id=session_id, idempotency_key=key)
        calls = fake.request_count
        again = chat(client, session_id=session_id, idempotency_key=key)
        stream = client.post(
            "/chat/stream",
            json={"message": "Where do you work?", "session_id": session_id, "idempotency_key": key},
        )
        history = client.get(f"/conversation/{session_id}").json()["messages"]
    assert again.json() == first.json() and fake.request_count == calls
    assert first.json()["response"] in stream.text
    assert len(history) == 4  # the retried turn is stored once


def test_a_retry_racing_its_original_stores_the_turn_once_and_both_answer_with_it(
    settings: Settings, fake: FakeOpenAI
) -> None:
    """The soak bench's case: a visitor timed out and retried a follow-up with the same key while the
    original still waited for the model; one went over /chat, the other over /chat/stream."""
    fake.reply("Hello there.")
    with model(settings, fake) as client:
        session_id = chat(client, "Hello").json()["session_id"]
        fake.reply("The first answer.", delay=0.5).reply("The second answer.", delay=0.5)
        body = {"message": "Where do you work?", "session_id": session_id, "idempotency_key": "k" * 20}

        def plain() -> str:
            return str(client.post("/chat", json=body).json()["response"])

        def streamed() -> str:
            events = parse_sse(client.post("/chat/stream", json=body).text)
            assert events[-1][0] == "done", events
            return str(events[-1][1]["response"])

        with ThreadPoolExecutor(2) as pool:
            answers = [future.result() for future in [pool.submit(plain), pool.submit(streamed)]]
        history = client.get(f"/conversation/{session_id}").json()["messages"]
    assert fake.request_count == 3  # both called the model: neither had seen the other's turn
    assert [m["content"] for m in history][2:] == ["Where do you work?", answers[0]]
    assert answers[0] == answers[1]  # the stream's `done` carries the reply that was kept


def test_a_malformed_idempotency_key_is_400(client: TestClient) -> None:  # type: ignore[type-arg]
    assert chat(client, idempotency_key="short").status_code == 400


def test_model_failure_is_a_503_or_the_offline_answer_when_configured(
    settings: Settings, fake: FakeOpenAI
) -> None:
    fake.fail(500)
    with model(settings, fake) as client:
        failed = chat(client)
    assert failed.status_code == 503 and "retry-after" in failed.headers
    fake.fail(500)
    with model(settings, fake, TWIN_FALLBACK_OFFLINE=True) as client:
        fallback = chat(client)
    assert fallback.status_code == 200 and "Corvina Pay" in fallback.json()["response"]


def test_logs_never_carry_the_key_or_private_facts(
    settings: Settings, fake: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG), model(settings, fake) as client:
        fake.reply("Sure.")
        chat(client, "What is your email? My key is in the header.")
        fake.fail(500)
        chat(client)
        fake.fail(429, retry_after=3)
        client.post("/chat/stream", json={"message": "Hi"})
    for secret in (SECRET_KEY, "freja.holmqvist@example.com", "+351 900 000 000"):
        assert secret not in caplog.text


def test_feedback_is_rate_limited_like_chat(settings: Settings) -> None:
    with client_for(settings, TWIN_RATE_LIMIT_PER_MINUTE=2) as client:
        session_id = chat(client).json()["session_id"]
        rate = {"session_id": session_id, "reply": 1, "rating": "up"}
        assert client.post("/feedback", json=rate).status_code == 201
        assert client.post("/feedback", json=rate).status_code == 429


def test_json_nested_too_deeply_is_400_on_every_json_endpoint_and_logs_no_trace(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """A 2 kB body nested 1,000 deep exceeds the decoder's recursion limit: the client's fault."""
    deep = '{"message": "hi", "x": ' + "[" * 1000 + "]" * 1000 + "}"
    with client_for(settings, TWIN_OWNER_PASSWORD=OWNER_PASSWORD) as client:
        headers = signed_in(client) | {"content-type": "application/json"}
        session_id = chat(client).json()["session_id"]
        paths = [
            "/chat",
            "/chat/stream",
            "/feedback",
            f"/owner/api/conversations/{session_id}/messages",
        ]
        with caplog.at_level(logging.ERROR):
            answers = {path: client.post(path, content=deep, headers=headers) for path in paths}
            answers["/owner/api/instructions"] = client.put(
                "/owner/api/instructions", content=deep, headers=headers
            )
        assert chat(client, session_id=session_id).status_code == 200  # the app goes on serving
    for path, answer in answers.items():
        assert answer.status_code == 400, (path, answer.text)
        assert answer.json()["detail"] == "JSON is malformed: nested too deeply", path
    assert not [r for r in caplog.records if r.exc_info], "no traceback for a client's bad body"
