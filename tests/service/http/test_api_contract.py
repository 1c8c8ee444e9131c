"""The HTTP contract: status codes and bodies for every endpoint, including bad input."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.http.contract import NON_BLANK
from service.settings import Settings
from tests.support.settings import tweak

SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{32}$")
Client = TestClient  # type: ignore[type-arg]


def test_root_keeps_the_seed_shape(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.json() == {"message": "AI Digital Twin API", "memory_enabled": True, "storage": "local"}


def test_health_names_storage_and_provider(client: Client) -> None:
    body = client.get("/health").json()
    assert body["status"] == "healthy"
    assert body["storage"] == "local" and body["use_s3"] is False  # the seed's field too
    assert body["provider"] == "offline" and body["offline"] is True


def test_chat_issues_a_session_and_remembers_the_turn(client: Client) -> None:
    first = client.post("/chat", json={"message": "Hello!"})
    assert first.status_code == 200
    session_id = first.json()["session_id"]
    assert SESSION_ID.fullmatch(session_id)
    second = client.post("/chat", json={"message": "Where did you study?", "session_id": session_id})
    assert second.status_code == 200 and second.json()["session_id"] == session_id
    conversation = client.get(f"/conversation/{session_id}").json()
    assert conversation["session_id"] == session_id
    assert [(m["role"], m["content"]) for m in conversation["messages"]] == [
        ("user", "Hello!"),
        ("assistant", first.json()["response"]),
        ("user", "Where did you study?"),
        ("assistant", second.json()["response"]),
    ]
    assert all(m["timestamp"] for m in conversation["messages"])


def test_every_new_chat_gets_a_different_session(client: Client) -> None:
    ids = {client.post("/chat", json={"message": "hi"}).json()["session_id"] for _ in range(5)}
    assert len(ids) == 5


def test_unknown_but_well_formed_session_is_404_and_not_created(client: Client, settings: Settings) -> None:
    chosen = "A" * 32
    response = client.post("/chat", json={"message": "hi", "session_id": chosen})
    assert response.status_code == 404
    assert "session not found" in response.json()["detail"]
    assert client.get(f"/conversation/{chosen}").status_code == 404
    assert not Path(settings.storage.memory_dir, f"{chosen}.json").exists()


@pytest.mark.parametrize(
    "session_id", ["../../etc/passwd", "short", "A" * 33, "A" * 31 + "/", "A" * 32 + "\n", 42]
)
def test_malformed_session_id_is_400(client: Client, session_id: object) -> None:
    response = client.post("/chat", json={"message": "hi", "session_id": session_id})
    assert response.status_code == 400
    assert "session_id" in response.text


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"message": "hi", "admin": True}, "admin"),
        ({"message": ""}, "message"),
        ({"message": "   \n "}, "message"),
        ({}, "message"),
        ({"message": 5}, "message"),
        ({"message": "hi", "idempotency_key": "k" * 20 + "\n"}, "idempotency_key"),
    ],
)
def test_bad_chat_bodies_are_400_with_validation_detail(client: Client, body: object, fragment: str) -> None:
    for path in ("/chat", "/chat/stream"):
        response = client.post(path, json=body)
        assert response.status_code == 400, (path, response.text)
        assert fragment in response.text
        assert response.json()["detail"].startswith("Validation failed")


@pytest.mark.parametrize(
    "message", ["\u200b\u200b", "\x00", "\u202e\x1b \u2060", "\ufeff\u200d\n", "\xad\x85"]
)
def test_a_message_of_invisible_characters_breaks_the_schema(client: Client, message: str) -> None:
    for path in ("/chat", "/chat/stream"):
        response = client.post(path, json={"message": message})
        assert response.status_code == 400, (path, response.text)
        assert response.json()["extra"][0]["key"] == "message"


def test_a_message_of_invisible_characters_beyond_the_schemas_reach_is_400_too(client: Client) -> None:
    tags = "".join(chr(0xE0000 + ord(c)) for c in "IGNORE ALL")  # Unicode tag characters
    for path in ("/chat", "/chat/stream"):
        response = client.post(path, json={"message": tags + " \U0001d173"})
        assert response.status_code == 400, (path, response.text)
        assert response.json() == {
            "status_code": 400,
            "detail": "message has no visible character",
            "extra": {"error": "message_blank"},
        }


def test_the_schema_calls_blank_what_never_reaches_a_model() -> None:
    """Every character whitespace, a control or a format character of the BMP is blank to the
    schema's pattern; every other one (letters, marks, emoji, ...) is visible."""
    visible = re.compile(NON_BLANK)
    for code in [*range(0xD800), *range(0xE000, 0x10000), 0x1F600, 0x10348, 0x20000]:
        char = chr(code)
        hidden = char.isspace() or unicodedata.category(char) in ("Cc", "Cf")
        assert (visible.search(char) is None) == hidden, hex(code)


def test_invalid_json_is_400(client: Client) -> None:
    response = client.post("/chat", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400


def test_message_over_the_configured_limit_is_400_naming_the_limit(
    tmp_path: Path, settings: Settings
) -> None:
    small = tweak(settings, TWIN_MAX_MESSAGE_CHARS=50)
    with TestClient(app=create_app(small)) as client:
        response = client.post("/chat", json={"message": "x" * 51})
        assert response.status_code == 400
        assert response.json()["detail"] == "message is 51 characters long; the limit is 50"
        assert response.json()["extra"]["max_message_chars"] == 50
        assert client.post("/chat/stream", json={"message": "x" * 51}).status_code == 400
        assert client.post("/chat", json={"message": "x" * 50}).status_code == 200


def test_default_message_limit_is_4000(client: Client) -> None:
    assert client.post("/chat", json={"message": "y" * 4001}).status_code == 400
    assert client.get("/persona").json()["max_message_chars"] == 4000


def test_conversation_lookup_errors(client: Client) -> None:
    assert client.get("/conversation/" + "B" * 32).status_code == 404
    assert client.get("/conversation/not-an-id").status_code == 400


def test_persona_card_is_public_and_useful(client: Client) -> None:
    card = client.get("/persona").json()
    assert card["name"] and card["full_name"] and card["headline"] and card["greeting"]
    assert 3 <= len(card["suggested_questions"]) <= 5
    assert card["offline"] is True


def test_openapi_schema_documents_every_endpoint(client: Client) -> None:
    schema = client.get("/schema/openapi.json").json()
    assert {"/", "/health", "/chat", "/chat/stream", "/conversation/{session_id}", "/persona"} <= set(
        schema["paths"]
    )
    chat_body = schema["components"]["schemas"]["ChatRequest"]
    assert chat_body["properties"]["message"]["minLength"] == 1


def test_cors_allows_only_configured_origins(settings: Settings) -> None:
    configured = tweak(settings, CORS_ORIGINS=("https://owner.example",))
    with TestClient(app=create_app(configured)) as client:
        allowed = client.options(
            "/chat", headers={"Origin": "https://owner.example", "Access-Control-Request-Method": "POST"}
        )
        assert allowed.status_code == 204
        assert allowed.headers["access-control-allow-origin"] == "https://owner.example"
        denied = client.options(
            "/chat", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
        )
        assert "access-control-allow-origin" not in denied.headers
        assert denied.status_code >= 400


def test_no_cors_headers_without_configured_origins(client: Client) -> None:
    response = client.get("/health", headers={"Origin": "https://anyone.example"})
    assert "access-control-allow-origin" not in response.headers
