"""Visitors' data over HTTP: erasing a conversation, and the whole app running on S3 memory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.settings import Settings
from tests.support.moto_s3 import MotoS3Server
from tests.support.settings import tweak
from tests.support.sse import parse_sse

Client = TestClient  # type: ignore[type-arg]


def test_delete_erases_a_conversation(client: Client, settings: Settings) -> None:
    session_id = client.post("/chat", json={"message": "Hello"}).json()["session_id"]
    response = client.delete(f"/conversation/{session_id}")
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(f"/conversation/{session_id}").status_code == 404
    assert not Path(settings.storage.memory_dir, f"{session_id}.json").exists()
    again = client.post("/chat", json={"message": "still there?", "session_id": session_id})
    assert again.status_code == 404


def test_delete_unknown_session_is_404(client: Client) -> None:
    response = client.delete("/conversation/" + "C" * 32)
    assert response.status_code == 404
    assert response.json()["detail"] == "session not found"


@pytest.mark.parametrize("session_id", ["not-an-id", "A" * 33, "A" * 31 + "!", "A" * 30 + "%20."])
def test_delete_malformed_session_is_400(client: Client, session_id: str) -> None:
    response = client.delete(f"/conversation/{session_id}")
    assert response.status_code == 400
    assert "session_id is malformed" in response.json()["detail"]


def test_openapi_documents_delete(client: Client) -> None:
    operation = client.get("/schema/openapi.json").json()["paths"]["/conversation/{session_id}"]
    assert "204" in operation["delete"]["responses"]


@pytest.fixture
def s3_client(
    settings: Settings, moto_s3: MotoS3Server, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Client]:
    """The app as deployed: USE_S3=true, the endpoint from the standard AWS_ENDPOINT_URL_S3."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_s3.endpoint)
    on_s3 = tweak(settings, USE_S3=True, S3_BUCKET=s3_bucket, S3_PREFIX="visitors/")
    with TestClient(app=create_app(on_s3)) as test_client:
        yield test_client


def test_app_over_s3_chats_remembers_and_erases(
    s3_client: Client, moto_s3: MotoS3Server, s3_bucket: str, settings: Settings
) -> None:
    assert s3_client.get("/health").json()["storage"] == "s3"
    first = s3_client.post("/chat", json={"message": "Hello!"}).json()
    session_id = first["session_id"]
    second = s3_client.post("/chat", json={"message": "Where do you work?", "session_id": session_id})
    assert second.status_code == 200

    conversation = s3_client.get(f"/conversation/{session_id}").json()
    assert [m["content"] for m in conversation["messages"] if m["role"] == "user"] == [
        "Hello!",
        "Where do you work?",
    ]
    raw = boto3.client("s3", endpoint_url=moto_s3.endpoint)
    assert raw.head_object(Bucket=s3_bucket, Key=f"visitors/{session_id}.json")["ContentLength"] > 0
    assert not Path(settings.storage.memory_dir).exists()  # nothing went to the file store

    assert s3_client.delete(f"/conversation/{session_id}").status_code == 204
    assert raw.list_objects_v2(Bucket=s3_bucket).get("KeyCount") == 0
    assert s3_client.get(f"/conversation/{session_id}").status_code == 404


def test_s3_failing_mid_conversation_is_a_clear_503_and_nothing_half_written(
    s3_client: Client, moto_s3: MotoS3Server
) -> None:
    first = s3_client.post("/chat", json={"message": "Hello!"}).json()
    session_id = first["session_id"]

    moto_s3.fail(503, methods={"PUT"})  # reads work, every write fails (after the client's retries)
    failed = s3_client.post("/chat", json={"message": "Where do you work?", "session_id": session_id})
    assert failed.status_code == 503
    assert failed.headers["Retry-After"].isdigit()
    assert failed.json()["detail"] == "memory unavailable, try again"
    assert failed.json()["extra"]["error"] == "memory_unavailable"
    assert "Traceback" not in failed.text and "botocore" not in failed.text

    streamed = s3_client.post("/chat/stream", json={"message": "And before?", "session_id": session_id})
    events = parse_sse(streamed.text)
    assert events[-1][0] == "error"
    assert events[-1][1]["error"] == "memory_unavailable"

    moto_s3.fail(500)  # S3 entirely down: even reading the history fails before any reply
    assert s3_client.get(f"/conversation/{session_id}").status_code == 503
    assert s3_client.post("/chat", json={"message": "hi", "session_id": session_id}).status_code == 503
    erase = s3_client.delete(f"/conversation/{session_id}")
    assert erase.status_code == 503 and erase.json()["detail"] == "memory unavailable, try again"

    moto_s3.clear_faults()
    conversation = s3_client.get(f"/conversation/{session_id}").json()
    assert [(m["role"], m["content"]) for m in conversation["messages"]] == [
        ("user", "Hello!"),
        ("assistant", first["response"]),
    ]
