"""The door of the owner's room: 404 without a password, every route refused without a session (derived
from the route table, so a route added later cannot be left open), sign-in and its throttle, the
session cookie, CSRF and the origin check, the pages' policy."""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from service.app import build_memory, create_app
from service.http.owner_gate import PAGE, PUBLIC
from service.owner import access
from service.settings import Settings
from tests.support.owner import PASSWORD, Client, room_headers, sign_in, signed_in
from tests.support.settings import tweak

SESSION_ID = "A" * 32


@pytest.fixture
def room_settings(settings: Settings) -> Settings:
    return tweak(settings, TWIN_OWNER_PASSWORD=PASSWORD)


@pytest.fixture
def room(room_settings: Settings) -> Iterator[Client]:
    with TestClient(app=create_app(room_settings)) as client:
        yield client


def owner_routes(app: Litestar) -> list[tuple[str, str, dict[str, object]]]:
    """(method, concrete path, handler opt) of every /owner route in the app's table."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/owner"):
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods - {"OPTIONS", "HEAD"}:
                path = route.path_format.replace("{session_id}", SESSION_ID)
                path = path.replace("{question_id}", "0123456789ab").replace("{name}", "owner.js")
                found.append((method, path, dict(handler.opt)))
    return sorted(found, key=lambda r: (r[1], r[0]))


def test_without_a_password_every_owner_route_is_404_and_nothing_else_changes(
    settings: Settings, room_settings: Settings
) -> None:
    routes = owner_routes(create_app(room_settings))
    assert len(routes) > 20
    with TestClient(app=create_app(settings)) as closed:
        for method, path, _ in routes:
            assert closed.request(method, path).status_code == 404, (method, path)
        assert not any(str(route.path).startswith("/owner") for route in closed.app.routes)
        assert "/owner" not in str(closed.get("/schema/openapi.json").json()["paths"])
        assert closed.get("/persona").json()["owner_can_step_in"] is False


def test_every_owner_route_refuses_a_request_without_a_session(room: Client) -> None:
    """401 JSON for the API, a redirect to sign in for pages; only the sign-in page, the sign-in form
    and the pages' script and style are open, and only because they say so."""
    routes = owner_routes(room.app)
    public = {(method, path) for method, path, opt in routes if opt.get(PUBLIC)}
    assert public == {("GET", "/owner"), ("POST", "/owner/login"), ("GET", "/owner/static/owner.js")}
    headers = room_headers(room)  # a valid CSRF token and origin: the session is what is missing
    for method, path, opt in routes:
        if opt.get(PUBLIC):
            continue
        response = room.request(method, path, headers=headers, json={}, follow_redirects=False)
        if opt.get(PAGE):
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/owner"), (method, path)
        else:
            assert path.startswith("/owner/api/"), path
            assert response.status_code == 401, (method, path, response.text)
            assert response.json()["extra"] == {"error": "not_signed_in"}
    page = room.get("/owner")
    assert page.status_code == 200 and 'name="password"' in page.text and 'id="room"' not in page.text


def test_a_page_asked_for_without_a_session_leads_back_to_it_after_signing_in(room: Client) -> None:
    redirect = room.get("/owner/questions", follow_redirects=False)
    assert redirect.headers["location"] == "/owner?next=/owner/questions"
    form = room.get(redirect.headers["location"])
    assert 'name="next" value="/owner/questions"' in form.text
    signed = sign_in(room, next="/owner/questions")
    assert signed.headers["location"] == "/owner/questions"
    assert 'id="room"' in room.get("/owner/questions").text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/owner/../chat", "/owner/x"])
def test_sign_in_never_sends_the_owner_anywhere_but_the_rooms_own_pages(room: Client, target: str) -> None:
    assert sign_in(room, next=target).headers["location"] == "/owner"


def test_signing_in_wrong_then_right_sets_a_strict_http_only_cookie_for_the_room_only(room: Client) -> None:
    wrong = sign_in(room, "not the password at all")
    assert wrong.status_code == 401 and "Wrong password." in wrong.text
    assert "twin_owner" not in wrong.headers.get("set-cookie", "")
    right = sign_in(room)
    assert right.status_code == 303 and right.headers["location"] == "/owner"
    cookie = right.headers["set-cookie"]
    assert cookie.startswith("twin_owner=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/owner" in cookie
    assert "Secure" not in cookie  # plain HTTP here; see the HTTPS test
    assert re.search(r"Max-Age=43200\b", cookie)  # TWIN_OWNER_SESSION_HOURS=12
    assert 'id="room"' in room.get("/owner").text and room.get("/owner/api/session").status_code == 200


def test_sign_in_takes_the_form_only_and_never_quotes_another_body_back(room: Client) -> None:
    headers = room_headers(room)
    attempts = [
        room.post("/owner/login", json={"password": PASSWORD}, headers=headers),
        room.post(
            "/owner/login", content=f"password={PASSWORD}", headers=headers | {"content-type": "text/plain"}
        ),
        room.post("/owner/login", files={"password": (None, PASSWORD)}, headers=headers),
    ]
    for refused in attempts:
        assert refused.status_code == 415, refused.text
        assert refused.json()["detail"] == "sign in with the form: send application/x-www-form-urlencoded"
        assert PASSWORD not in refused.text and "twin_owner" not in refused.headers.get("set-cookie", "")
    assert sign_in(room).status_code == 303


def test_over_https_both_cookies_are_secure(room_settings: Settings) -> None:
    served = tweak(room_settings, TWIN_ALLOWED_HOSTS=("twin.example",))  # the site's own name
    with TestClient(app=create_app(served), base_url="https://twin.example") as client:
        csrf = client.get("/owner").headers["set-cookie"]
        assert csrf.startswith("csrftoken=") and "Secure" in csrf and "SameSite=strict" in csrf
        response = sign_in(client)
        assert response.status_code == 303 and "Secure" in response.headers["set-cookie"]


def test_failed_sign_ins_from_one_address_wait_longer_each_time(
    room: Client, room_settings: Settings
) -> None:
    for _ in range(access.FREE_FAILURES):
        assert sign_in(room, "wrong password here").status_code == 401
    fourth = sign_in(room, "wrong password here")
    assert fourth.status_code == 401 and fourth.headers["retry-after"] == "2"
    throttled = sign_in(room)  # even the right password waits
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) <= 2
    assert "Too many failed sign-ins" in throttled.text and "twin_owner" not in throttled.headers.get(
        "set-cookie", ""
    )
    _let_time_pass(room_settings)
    fifth = sign_in(room, "wrong password here")
    assert fifth.status_code == 401 and fifth.headers["retry-after"] == "4"  # doubled
    _let_time_pass(room_settings)
    assert sign_in(room).status_code == 303  # the right password, once the wait is over
    actions = [entry["action"] for entry in room.get("/owner/api/audit").json()["entries"]]
    assert actions == ["sign_in"] + ["sign_in_refused"] * 5  # the attempt during the wait left no trace
    assert sign_in(room, "wrong password here").status_code == 401  # and the count started again
    assert "retry-after" not in sign_in(room, "wrong password here").headers


def _let_time_pass(settings: Settings) -> None:
    """Move every stored wait into the past (as time would)."""
    import asyncio

    async def rewind() -> None:
        memory = build_memory(settings.storage)
        past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
        for key, record in (await memory.records.items(access.THROTTLE)).items():
            await memory.records.put(
                access.THROTTLE, key, {**record.value, "blocked_until": past}, expected_version=record.version
            )
        await memory.close()

    asyncio.run(rewind())


def test_the_password_is_compared_as_digests_of_one_length(
    room: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[int, int]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(access.hmac, "compare_digest", spy)
    sign_in(room, "x" * 12)
    sign_in(room, "y" * 900)
    assert compared[:2] == [(32, 32), (32, 32)]


def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(room: Client) -> None:
    headers = signed_in(room)
    copied = room.cookies["twin_owner"]
    out = room.post("/owner/logout", headers=headers, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/owner?signed_out=1"
    assert 'twin_owner=""' in out.headers["set-cookie"] and "Max-Age=0" in out.headers["set-cookie"]
    assert "You are signed out." in room.get("/owner?signed_out=1").text
    room.cookies.set("twin_owner", copied, path="/owner")
    assert room.get("/owner/api/session").status_code == 401


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c[:-2] + ("A" if c[-2] != "A" else "B") + c[-1],  # the signature
        lambda c: "f" * 32 + c[32:],  # another session id under the same signature
        lambda c: c.split(".")[0] + ".9999999999." + c.split(".")[2],  # a later expiry
        lambda c: "garbage",
    ],
)
def test_an_altered_cookie_is_refused(room: Client, tamper: object) -> None:
    signed_in(room)
    good = room.cookies["twin_owner"]
    room.cookies.set("twin_owner", tamper(good), path="/owner")  # type: ignore[operator]
    assert room.get("/owner/api/session").status_code == 401


def test_sessions_and_csrf_tokens_hold_on_every_instance_of_a_deployment(
    room_settings: Settings, tmp_path: Path
) -> None:
    """Two processes on one store (as Lambda containers are) share the secret made once in it."""
    with TestClient(app=create_app(room_settings)) as one, TestClient(app=create_app(room_settings)) as two:
        headers = signed_in(one)
        two.cookies.update(one.cookies)
        assert two.get("/owner/api/session").status_code == 200
        edited = two.put("/owner/api/instructions", json={"text": "Be brief."}, headers=headers)
        assert edited.status_code == 200


def test_changing_the_password_ends_every_session(room_settings: Settings) -> None:
    with TestClient(app=create_app(room_settings)) as before:
        signed_in(before)
        cookies = before.cookies
    changed = tweak(room_settings, TWIN_OWNER_PASSWORD="another long password")
    with TestClient(app=create_app(changed)) as after:
        after.cookies.update(cookies)
        assert after.get("/owner/api/session").status_code == 401


def test_state_changes_need_the_csrf_token_and_the_rooms_own_origin(room: Client) -> None:
    headers = signed_in(room)
    put = "/owner/api/instructions"
    assert room.put(put, json={"text": "a"}, headers=headers).status_code == 200
    no_token = room.put(put, json={"text": "b"}, headers={"origin": headers["origin"]})
    assert no_token.status_code == 403 and "CSRF" in no_token.json()["detail"]
    wrong_token = room.put(put, json={"text": "b"}, headers={**headers, "x-csrftoken": "0" * 128})
    assert wrong_token.status_code == 403
    elsewhere = room.put(put, json={"text": "b"}, headers={**headers, "origin": "https://evil.example"})
    assert elsewhere.status_code == 403 and "other origins" in elsewhere.json()["detail"]
    nowhere = room.put(put, json={"text": "b"}, headers={"x-csrftoken": headers["x-csrftoken"]})
    assert nowhere.status_code == 403  # neither Origin nor Referer
    referred = {"x-csrftoken": headers["x-csrftoken"], "referer": f"{headers['origin']}/owner/instructions"}
    assert room.put(put, json={"text": "c"}, headers=referred).status_code == 200
    assert room.get("/owner/api/instructions").json()["text"] == "c"
    login = room.post("/owner/login", data={"password": PASSWORD}, headers={"origin": headers["origin"]})
    assert login.status_code == 403  # signing in is protected too (no token in the form)


def test_the_pages_carry_a_strict_policy_and_no_inline_script(room: Client) -> None:
    for page in (room.get("/owner"), room.get("/owner?signed_out=1")):
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy
        assert "default-src 'none'" in policy and "http" not in policy  # nothing from elsewhere
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["referrer-policy"] == "same-origin"
        assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/owner/static/owner.js" defer>']
        assert " style=" not in page.text and "<style" not in page.text
    signed_in(room)
    assert room.get("/owner/api/session").headers["cache-control"] == "no-store"
    assert room.get("/owner/static/owner.css").headers["content-type"].startswith("text/css")
    assert room.get("/owner/static/../app.py").status_code == 404
    assert room.get("/owner/static/index.html").status_code == 404


def test_with_the_room_open_its_api_is_documented_and_its_pages_are_not(room: Client) -> None:
    paths = room.get("/schema/openapi.json").json()["paths"]
    room_paths = {path for path in paths if path.startswith("/owner")}
    assert room_paths and all(path.startswith("/owner/api/") for path in room_paths)
    detail = paths["/owner/api/conversations/{session_id}"]["get"]
    assert {"200", "304", "401", "404"} <= set(detail["responses"]) and detail["tags"] == ["owner"]
