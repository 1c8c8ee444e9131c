"""When memory fails, visitors get what the README promises: a 503 with Retry-After (or an `error` event
on the stream), the turn is logged as failed, and nothing is half-stored. Files (a read-only memory
directory, injected as the kernel's EROFS) and S3 (the moto server answering 503), both stores."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.settings import Settings
from tests.support.faults import mount_read_only
from tests.support.moto_s3 import MotoS3Server
from tests.support.settings import tweak
from tests.support.sse import parse_sse

Client = TestClient[Any]


def turn_log(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "twin.turns"]


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["extra"]["error"] == "memory_unavailable"
    assert int(response.headers["retry-after"]) >= 1


def test_a_read_only_memory_directory_fails_turns_cleanly(
    client: Client, settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    first = client.post("/chat", json={"message": "Where do you work?"}).json()
    sid = first["session_id"]
    mount_read_only(settings.storage.memory_dir, monkeypatch)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert_unavailable(client.post("/chat", json={"message": "And before?", "session_id": sid}))
        streamed = client.post("/chat/stream", json={"message": "And before?", "session_id": sid})
        assert_unavailable(client.post("/chat", json={"message": "A new visitor"}))
    events = parse_sse(streamed.text)
    assert events[0][0] == "session" and events[-1][0] == "error"
    assert events[-1][1]["error"] == "memory_unavailable" and events[-1][1]["retry_after"] >= 1
    failed = turn_log(caplog)
    assert [(t["outcome"], t["error"]) for t in failed] == [("error", "memory_unavailable")] * 3
    assert_unavailable(client.delete(f"/conversation/{sid}"))
    kept = client.get(f"/conversation/{sid}").json()["messages"]
    assert [m["content"] for m in kept if m["role"] == "user"] == [
        "Where do you work?"
    ]  # nothing half-stored


@pytest.fixture
def on_s3(
    settings: Settings, moto_s3: MotoS3Server, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Client]:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_s3.endpoint)
    deployed = tweak(settings, USE_S3=True, S3_BUCKET=s3_bucket, TWIN_S3_TIMEOUT_SECONDS=2.0)
    with TestClient(app=create_app(deployed)) as test_client:
        yield test_client


def test_s3_failing_fails_turns_and_erasure_cleanly(
    on_s3: Client, moto_s3: MotoS3Server, caplog: pytest.LogCaptureFixture
) -> None:
    sid = on_s3.post("/chat", json={"message": "Where do you work?"}).json()["session_id"]
    moto_s3.fail(503, methods={"PUT", "DELETE"})
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert_unavailable(on_s3.post("/chat", json={"message": "And before?", "session_id": sid}))
        streamed = on_s3.post("/chat/stream", json={"message": "And before?", "session_id": sid})
    assert parse_sse(streamed.text)[-1][1]["error"] == "memory_unavailable"
    assert [t["error"] for t in turn_log(caplog)] == ["memory_unavailable"] * 2
    assert_unavailable(on_s3.delete(f"/conversation/{sid}"))
    moto_s3.clear_faults()
    kept = on_s3.get(f"/conversation/{sid}").json()["messages"]
    assert [m["content"] for m in kept if m["role"] == "user"] == ["Where do you work?"]


def test_s3_failing_refuses_feedback_with_503_and_records_nothing(
    on_s3: Client, moto_s3: MotoS3Server
) -> None:
    """(A records store failing during a turn is covered in test_capture: the visitor still gets an
    honest reply.)"""
    sid = on_s3.post("/chat", json={"message": "Where do you work?"}).json()["session_id"]
    moto_s3.fail(503, methods={"PUT"})
    try:
        assert_unavailable(on_s3.post("/feedback", json={"session_id": sid, "reply": 1, "rating": "up"}))
    finally:
        moto_s3.clear_faults()
    assert on_s3.post("/feedback", json={"session_id": sid, "reply": 1, "rating": "up"}).status_code == 201
