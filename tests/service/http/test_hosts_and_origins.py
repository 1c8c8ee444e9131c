"""Host names, origins and the seed's front end: DNS rebinding is refused, `CORS_ORIGINS=*` means any
origin everywhere, and the standard Idempotency-Key header works like the body field."""

from __future__ import annotations

import logging
from typing import Any, cast

import pytest
from litestar.testing import TestClient
from mangum import Mangum
from mangum.types import ASGI

from service.app import create_app
from service.settings import Settings
from tests.support.apigw import API_HOST, http_event
from tests.support.settings import tweak
from tests.support.sse import parse_sse

Client = TestClient[Any]


def client_for(settings: Settings, base_url: str = "http://testserver.local", **env: Any) -> Client:
    return TestClient(app=create_app(tweak(settings, **env)), base_url=base_url)


def test_a_dns_rebinding_page_cannot_reach_a_local_twin(settings: Settings) -> None:
    """evil.example resolves to 127.0.0.1: its page's requests carry its own name as Host, and its
    Origin matches that Host, so the origin check alone would take them for the API's own."""
    local = tweak(settings, TWIN_ALLOWED_HOSTS=("localhost", "127.0.0.1", "[::1]"))
    with TestClient(app=create_app(local), base_url="http://evil.example:8000") as client:
        headers = {"origin": "http://evil.example:8000"}
        for response in (
            client.post("/chat", json={"message": "Hi"}, headers=headers),
            client.get("/conversation/" + "A" * 32, headers=headers),
            client.get("/health"),
        ):
            assert response.status_code == 400
            assert response.json()["extra"] == {"error": "host_not_allowed"}
            assert response.json()["detail"].endswith("(TWIN_ALLOWED_HOSTS)")


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "LOCALHOST", "[::1]:8000", "127.0.0.1"])
def test_the_default_local_names_are_served_at_any_port(settings: Settings, host: str) -> None:
    local = tweak(settings, TWIN_ALLOWED_HOSTS=Settings().web.allowed_hosts)
    with TestClient(app=create_app(local)) as client:
        response = client.get("/health", headers={"host": host})
        own = client.post("/chat", json={"message": "Hi"}, headers={"host": host, "origin": f"http://{host}"})
    assert response.status_code == 200 and own.status_code == 200


def test_subdomain_wildcards_and_star(settings: Settings) -> None:
    with client_for(settings, TWIN_ALLOWED_HOSTS=("*.execute-api.eu-west-1.amazonaws.com",)) as client:
        host = {"host": "a1b2c3.execute-api.eu-west-1.amazonaws.com"}
        assert client.get("/health", headers=host).status_code == 200
        assert (
            client.get("/health", headers={"host": "execute-api.eu-west-1.amazonaws.com.evil"}).status_code
            == 400
        )
    with client_for(settings, TWIN_ALLOWED_HOSTS=("*",)) as client:
        assert client.get("/health", headers={"host": "anything.example"}).status_code == 200


def test_a_missing_or_empty_host_is_refused(settings: Settings) -> None:
    with client_for(settings) as client:
        assert client.get("/health", headers={"host": ""}).status_code == 400


def test_cors_origins_star_means_any_origin_in_cors_and_the_origin_check(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """The seed's and the course's setting: before, CORS allowed every origin and the origin check
    refused every one of them (403)."""
    with caplog.at_level(logging.WARNING, logger="twin"), client_for(settings, CORS_ORIGINS=("*",)) as client:
        origin = {"origin": "http://localhost:3000"}
        preflight = client.options(
            "/chat",
            headers=origin | {"access-control-request-method": "POST",
                              "access-control-request-headers": "content-type,idempotency-key"},
        )  # fmt: skip
        chat = client.post("/chat", json={"message": "Hi"}, headers=origin)
        stream = client.post(
            "/chat/stream", json={"message": "Hi"}, headers={"origin": "https://any.example"}
        )
    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "idempotency-key" in preflight.headers["access-control-allow-headers"].lower()
    assert chat.status_code == 200 and chat.headers["access-control-allow-origin"] == "*"
    assert stream.status_code == 200
    assert "CORS_ORIGINS=* lets any website" in caplog.text


def test_listed_origins_still_refuse_others(settings: Settings) -> None:
    with client_for(settings, CORS_ORIGINS=("https://owner.example",)) as client:
        refused = client.post("/chat", json={"message": "Hi"}, headers={"origin": "https://evil.example"})
    assert refused.status_code == 403


KEY = "header-key-0123456789abcdef"


def test_the_idempotency_key_header_retries_like_the_body_field(client: Client) -> None:
    first = client.post("/chat", json={"message": "Where do you work?"}, headers={"Idempotency-Key": KEY})
    again = client.post("/chat", json={"message": "Where do you work?"}, headers={"Idempotency-Key": KEY})
    body = client.post("/chat", json={"message": "Where do you work?", "idempotency_key": KEY})
    both = client.post(
        "/chat/stream",
        json={"message": "Where do you work?", "idempotency_key": KEY},
        headers={"Idempotency-Key": KEY},
    )
    session_id = first.json()["session_id"]
    assert again.json() == first.json() == body.json()
    done = parse_sse(both.text)[-1]
    assert done == ("done", {"session_id": session_id, "response": first.json()["response"], "reply": 1})
    assert len(client.get(f"/conversation/{session_id}").json()["messages"]) == 2


def test_a_bad_idempotency_key_header_is_400_and_the_body_field_wins_over_the_header(client: Client) -> None:
    bad = client.post("/chat", json={"message": "Hi"}, headers={"Idempotency-Key": "short"})
    assert bad.status_code == 400 and bad.json()["extra"][0]["source"] == "header"
    first = client.post("/chat", json={"message": "Hi", "idempotency_key": KEY})
    # a client library's fresh header on each attempt does not make the retry a new message
    again = client.post(
        "/chat", json={"message": "Hi", "idempotency_key": KEY}, headers={"Idempotency-Key": "x" * 20}
    )
    assert again.json() == first.json()


def test_the_header_is_in_the_openapi_document(client: Client) -> None:
    operation = client.get("/schema/openapi.json").json()["paths"]["/chat"]["post"]
    [header] = [p for p in operation["parameters"] if p["in"] == "header"]
    assert header["name"] == "Idempotency-Key" and header["required"] is False


def test_behind_api_gateway_only_the_apis_host_name_is_served(settings: Settings) -> None:
    deployed = tweak(settings, TWIN_ALLOWED_HOSTS=(API_HOST,))
    handler = Mangum(cast(ASGI, create_app(deployed)), lifespan="off")

    def status(host: str) -> int:
        event = http_event("GET", "/health", headers={"host": host})
        return int(handler(event, cast(Any, None))["statusCode"])

    assert status(API_HOST) == 200
    assert status("evil.example") == 400
