"""The OpenAPI document tells the whole truth: each gap here was a schemathesis failure first."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import TestClient

from memory.keys import SESSION_ID_PATTERN
from service.app import create_app
from service.http.contract import STREAM_EVENTS
from service.settings import Settings
from tests.support.settings import tweak

Client = TestClient  # type: ignore[type-arg]


@pytest.fixture
def document(client: Client) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/schema/openapi.json").json()
    return body


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/chat", "post", {"200", "400", "403", "404", "409", "413", "429", "503"}),
        ("/chat/stream", "post", {"200", "400", "403", "404", "409", "413", "429", "503"}),
        ("/conversation/{session_id}", "get", {"200", "304", "400", "404", "503"}),
        ("/conversation/{session_id}", "delete", {"204", "400", "404", "503"}),
        ("/feedback", "post", {"201", "400", "403", "404", "409", "413", "429", "503"}),
    ],
)
def test_every_status_a_route_answers_with_is_documented_with_the_error_body(
    document: dict[str, Any], path: str, method: str, statuses: set[str]
) -> None:
    """Was: a random session id's 404 on /chat, /feedback and /conversation was undocumented."""
    responses = document["paths"][path][method]["responses"]
    assert set(responses) == statuses
    for status in statuses - {"200", "201", "204", "304"}:
        schema = responses[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorBody"}, status
        assert responses[status]["description"]


def test_a_real_error_answer_matches_the_documented_error_body(client: Client) -> None:
    response = client.post("/chat", json={"message": "hi", "session_id": "A" * 32})
    assert response.status_code == 404
    body = response.json()
    assert set(body) <= {"status_code", "detail", "extra"} and body["status_code"] == 404


def test_request_bodies_are_documented_as_closed(document: dict[str, Any], client: Client) -> None:
    """Was: the schema allowed extra fields (no `additionalProperties`) that the server refuses (400)."""
    schemas = document["components"]["schemas"]
    for name in ("ChatRequest", "FeedbackRequest"):
        assert schemas[name]["additionalProperties"] is False, name
    assert client.post("/chat", json={"message": "hi", "extra": 1}).status_code == 400


def test_the_documented_message_limit_is_the_configured_one(settings: Settings) -> None:
    """Was: the schema allowed 100,000 characters where the server refuses more than 4000 (400)."""
    for limit in (4000, 120):
        configured = tweak(settings, TWIN_MAX_MESSAGE_CHARS=limit)
        with TestClient(app=create_app(configured)) as client:
            document = client.get("/schema/openapi.json").json()
            message = document["components"]["schemas"]["ChatRequest"]["properties"]["message"]
            assert message["maxLength"] == limit
            assert client.post("/chat", json={"message": "x" * limit}).status_code == 200
            assert client.post("/chat", json={"message": "x" * (limit + 1)}).status_code == 400


def test_the_session_id_in_a_path_is_documented_with_its_shape(document: dict[str, Any]) -> None:
    """Was: any string was documented; every id but the server's own shape is refused (400)."""
    for method in ("get", "delete"):
        (parameter,) = document["paths"]["/conversation/{session_id}"][method]["parameters"]
        assert parameter["schema"]["pattern"] == SESSION_ID_PATTERN
    assert re.fullmatch(SESSION_ID_PATTERN, "A" * 32)


def test_the_chat_stream_is_documented_as_server_sent_events_of_the_contract(
    document: dict[str, Any],
) -> None:
    """Was: documented as `application/json` of anything, while it answers `text/event-stream`."""
    content = document["paths"]["/chat/stream"]["post"]["responses"]["200"]["content"]
    assert set(content) == {"text/event-stream"}
    variants = content["text/event-stream"]["schema"]["oneOf"]
    documented = {
        v["properties"]["event"]["const"]: v["properties"]["data"]["contentSchema"]["$ref"] for v in variants
    }
    assert documented == {
        name: f"#/components/schemas/{body.__name__}" for name, body in STREAM_EVENTS.items()
    }
    for variant in variants:
        assert variant["properties"]["data"]["contentMediaType"] == "application/json"
