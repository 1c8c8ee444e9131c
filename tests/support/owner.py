"""The owner's room in tests: its password, and signing a test client in as a browser would."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

PASSWORD = "correct horse battery staple"

Client = TestClient  # type: ignore[type-arg]


def room_headers(client: Client) -> dict[str, str]:
    """What the room's own pages send with a state change: the CSRF token (after a GET issued it) and
    their origin."""
    if "csrftoken" not in client.cookies:
        client.get("/owner")
    return {"x-csrftoken": client.cookies["csrftoken"], "origin": str(client.base_url).rstrip("/")}


def sign_in(client: Client, password: str = PASSWORD, **form: str) -> Any:
    """POST the sign-in form as the page does (token in the form, the page's origin); no redirects."""
    headers = room_headers(client)
    body = {"password": password, "_csrf_token": headers["x-csrftoken"], **form}
    origin = {"origin": headers["origin"]}
    return client.post("/owner/login", data=body, headers=origin, follow_redirects=False)


def signed_in(client: Client) -> dict[str, str]:
    """Sign in; returns the headers the room's pages send with state changes."""
    response = sign_in(client)
    assert response.status_code == 303, response.text
    return room_headers(client)
