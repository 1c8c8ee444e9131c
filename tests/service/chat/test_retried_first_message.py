"""A retried first message (the client never saw the session id) is not stored or billed twice."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from memory import Store, retry_session_id
from service.app import create_app
from service.settings import Settings
from tests.support.fake_openai import FakeOpenAI
from tests.support.settings import on_fake_model, tweak
from tests.support.twins import twin_for

KEY = "first-try-0123456789abcdef"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def client(settings: Settings, fake: FakeOpenAI) -> Iterator[TestClient[Any]]:
    unmetered = on_fake_model(settings, fake.base_url, TWIN_TOKENS_PER_IP_PER_MINUTE=0)
    with TestClient(app=create_app(unmetered)) as client:
        yield client


def test_a_retried_first_message_replays_the_stored_turn(client: TestClient[Any], fake: FakeOpenAI) -> None:
    fake.reply("I lead payments at Corvina Pay.")
    body = {"message": "Where do you work?", "idempotency_key": KEY}
    first = client.post("/chat", json=body)
    calls = fake.request_count
    again = client.post("/chat", json=body)
    streamed = client.post("/chat/stream", json=body)
    session_id = first.json()["session_id"]
    history = client.get(f"/conversation/{session_id}").json()["messages"]
    assert again.json() == first.json() and fake.request_count == calls
    assert f'"session_id":"{session_id}"' in streamed.text and "Corvina Pay" in streamed.text
    assert [m["content"] for m in history] == ["Where do you work?", "I lead payments at Corvina Pay."]


def test_the_key_with_another_message_starts_another_conversation(client: TestClient[Any]) -> None:
    first = client.post("/chat", json={"message": "Where do you work?", "idempotency_key": KEY})
    other = client.post("/chat", json={"message": "What do you do?", "idempotency_key": KEY})
    plain = [client.post("/chat", json={"message": "Where do you work?"}) for _ in range(2)]
    assert len({first.json()["session_id"], other.json()["session_id"]}) == 2
    assert plain[0].json()["session_id"] != plain[1].json()["session_id"]  # no key: always a new one


def test_derived_ids_are_session_ids_that_never_look_like_options() -> None:
    secret = bytes(range(32))
    ids = {retry_session_id(f"key-{n:012d}", "hi", secret) for n in range(2000)}
    assert len(ids) == 2000
    assert all(len(i) == 32 and not i.startswith("-") for i in ids)
    assert retry_session_id("k" * 16, "hi", secret) == retry_session_id("k" * 16, "hi", secret)


def test_nobody_can_compute_a_keyed_first_messages_conversation_from_the_key_and_the_message(
    settings: Settings, tmp_path: Path
) -> None:
    """The id used to be an unkeyed hash with a public constant: whoever saw (or guessed) a visitor's
    key and first message could read and continue that conversation."""
    body = {"message": "Where do you work?", "idempotency_key": KEY}
    public = hashlib.blake2b(f"{KEY}\0{body['message']}".encode(), digest_size=24, person=b"twin-retry")
    guessed = base64.urlsafe_b64encode(public.digest()).decode()
    ids = []
    for deployment in ("one", "two"):
        deployed = tweak(settings, MEMORY_DIR=tmp_path / deployment)
        for _ in range(2):  # restarted: the same deployment keeps its secret
            with TestClient(app=create_app(deployed)) as client:
                ids.append(client.post("/chat", json=body).json()["session_id"])
    assert ids[0] == ids[1] and ids[2] == ids[3]  # a retry finds its conversation, across restarts
    assert ids[0] != ids[2]  # another deployment derives another id
    assert guessed not in ids


async def test_concurrent_retries_of_a_first_message_store_one_turn(
    settings: Settings, backend: Store
) -> None:
    twin = twin_for(settings, backend)
    engine, store = twin.engine, twin.memory.conversations
    turns = await asyncio.gather(
        *(engine.reply("Where do you work?", None, idempotency_key=KEY) for _ in range(6))
    )
    found = await store.load(turns[0].session_id)
    assert found is not None and found.conversation.turns == 1
    assert {t.session_id for t in turns} == {turns[0].session_id}
    assert {t.reply for t in turns} == {found.conversation.messages[1].content}


def test_a_key_reused_in_a_conversation_with_another_message_is_409_and_stores_nothing(
    client: TestClient[Any], fake: FakeOpenAI
) -> None:
    fake.reply("I lead payments at Corvina Pay.")
    session_id = client.post("/chat", json={"message": "Hello"}).json()["session_id"]
    asked = {"message": "Where do you work?", "session_id": session_id, "idempotency_key": KEY}
    first = client.post("/chat", json=asked)
    calls = fake.request_count
    for path in ("/chat", "/chat/stream"):
        reused = client.post(path, json=asked | {"message": "And your salary?"})
        assert reused.status_code == 409, (path, reused.text)
        assert reused.json()["extra"]["error"] == "idempotency_key_reused"
        assert "already used for a different message" in reused.json()["detail"]
    assert client.post("/chat", json=asked).json() == first.json()  # the real retry still replays
    history = client.get(f"/conversation/{session_id}").json()["messages"]
    assert [m["content"] for m in history if m["role"] == "user"] == ["Hello", "Where do you work?"]
    assert fake.request_count == calls
