"""Where replies stream from, in a real browser: a deployed page reads `streamUrl` from config.json and
streams from there; when that fails before any event and the twin itself did not answer, the same
message (same idempotency key) goes to the API instead. Two servers run the same app on two origins:
the API and the stream."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, Request, Route, expect

from service.settings import Settings
from tests.support.fake_openai import FakeOpenAI
from tests.web.conftest import WEB_DIST, HostSite, serve_app
from tests.web.test_chat_page import ask, replies, wait_idle


@pytest.fixture(scope="module")
def stream_url(app_settings: Settings) -> Iterator[str]:
    """The same app on its own origin, as a stack's function URL is: same memory, same CORS."""
    served = serve_app(app_settings)
    yield served.url
    served.stop()


def deployed_page(site: HostSite, name: str, config: dict[str, str]) -> str:
    """web/dist as a deployment uploads it, with its own config.json."""
    root = site.root / name
    shutil.copytree(WEB_DIST, root, dirs_exist_ok=True)
    (root / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return f"{site.url}/{name}/"


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def chat_requests(page: Page) -> list[Request]:
    """Every POST /chat/stream the page makes, in order."""
    seen: list[Request] = []
    page.on("request", lambda request: seen.append(request) if request.url.endswith("/chat/stream") else None)
    return seen


def open_page(page: Page, url: str, card: dict[str, Any]) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(card["full_name"])


def key_of(request: Request) -> str:
    return str(json.loads(request.post_data or "{}")["idempotency_key"])


def test_the_page_streams_from_the_url_its_config_names(
    page: Page,
    sites: tuple[HostSite, HostSite],
    app_url: str,
    stream_url: str,
    card: dict[str, Any],
    fake: FakeOpenAI,
) -> None:
    fake.reply("Streamed ", "from the ", "function URL.")
    requests = chat_requests(page)
    open_page(page, deployed_page(sites[0], "streams", {"apiUrl": app_url, "streamUrl": stream_url}), card)
    ask(page, "Where do replies come from?")
    expect(replies(page).last).to_have_text("Streamed from the function URL.")
    wait_idle(page)
    assert [request.url for request in requests] == [f"{stream_url}/chat/stream"]
    expect(page.get_by_role("group", name="Rate this reply")).to_have_count(1)


def test_an_unreachable_stream_url_falls_back_to_the_api_with_the_same_message_key(
    page: Page, sites: tuple[HostSite, HostSite], app_url: str, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    fake.reply("Answered by the API.")
    requests = chat_requests(page)
    config = {"apiUrl": app_url, "streamUrl": closed_port_url()}
    open_page(page, deployed_page(sites[0], "unreachable", config), card)
    ask(page, "Is anyone there?")
    expect(replies(page).last).to_have_text("Answered by the API.")
    wait_idle(page)
    assert [request.url for request in requests] == [
        f"{config['streamUrl']}/chat/stream",
        f"{app_url}/chat/stream",
    ]
    assert key_of(requests[0]) == key_of(requests[1])
    expect(page.locator(".tw-notice")).to_be_hidden()


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (502, {"Message": "Internal Server Error"}),  # the function failed to start
        (429, {"Message": "Rate Exceeded."}),  # the streaming function's concurrency cap
        (403, {"Message": "Forbidden"}),  # the URL's permissions
    ],
)
def test_a_stream_refused_on_the_way_falls_back_to_the_api(
    page: Page,
    sites: tuple[HostSite, HostSite],
    app_url: str,
    stream_url: str,
    card: dict[str, Any],
    fake: FakeOpenAI,
    status: int,
    body: dict[str, str],
) -> None:
    fake.reply("Answered by the API anyway.")
    requests = chat_requests(page)
    page.route(f"{stream_url}/chat/stream", lambda route: route.fulfill(status=status, json=body))
    open_page(
        page, deployed_page(sites[0], f"refused-{status}", {"apiUrl": app_url, "streamUrl": stream_url}), card
    )
    ask(page, "Hello?")
    expect(replies(page).last).to_have_text("Answered by the API anyway.")
    assert [request.url for request in requests][-1] == f"{app_url}/chat/stream"


RATE_LIMITED_HEADERS = {"Retry-After": "30", "Access-Control-Expose-Headers": "retry-after"}


def test_the_twins_own_refusal_from_the_stream_url_is_not_sent_again_to_the_api(
    page: Page, sites: tuple[HostSite, HostSite], app_url: str, stream_url: str, card: dict[str, Any]
) -> None:
    requests = chat_requests(page)
    limited = {"status_code": 429, "detail": "Too many messages from your address", "extra": None}
    page.route(
        f"{stream_url}/chat/stream",
        # The function URL's CORS exposes Retry-After to the page (infra/streaming.py).
        lambda route: route.fulfill(status=429, json=limited, headers=RATE_LIMITED_HEADERS),
    )
    open_page(page, deployed_page(sites[0], "limited", {"apiUrl": app_url, "streamUrl": stream_url}), card)
    ask(page, "Hello again?")
    expect(page.locator(".tw-notice")).to_contain_text("Please wait 30 s")
    assert [request.url for request in requests] == [f"{stream_url}/chat/stream"]


def test_a_stream_broken_off_after_it_started_is_not_repeated_on_the_api(
    page: Page, sites: tuple[HostSite, HostSite], app_url: str, stream_url: str, card: dict[str, Any]
) -> None:
    requests = chat_requests(page)
    started = (
        'event: session\ndata: {"session_id": "' + "S" * 32 + '"}\n\nevent: delta\ndata: {"text": "Half"}\n\n'
    )

    def break_off(route: Route) -> None:
        route.fulfill(status=200, body=started, headers={"content-type": "text/event-stream"})

    page.route(f"{stream_url}/chat/stream", break_off)
    open_page(page, deployed_page(sites[0], "broken", {"apiUrl": app_url, "streamUrl": stream_url}), card)
    ask(page, "Tell me everything.")
    expect(page.locator(".tw-notice")).to_contain_text("can't be reached")
    expect(page.get_by_role("button", name="Retry")).to_be_visible()
    assert [request.url for request in requests] == [f"{stream_url}/chat/stream"]


def test_the_widget_streams_from_the_url_in_the_config_next_to_it(
    page: Page,
    sites: tuple[HostSite, HostSite],
    app_url: str,
    stream_url: str,
    card: dict[str, Any],
    fake: FakeOpenAI,
) -> None:
    fake.reply("The widget ", "streams too.")
    requests = chat_requests(page)
    deployed = deployed_page(sites[0], "widget-stack", {"apiUrl": app_url, "streamUrl": stream_url})
    host = sites[0].page(
        "stream-widget.html",
        f'<!doctype html><title>host</title><script src="{deployed}widget.js" data-open="true"></script>',
    )
    page.goto(host)
    widget = page.locator("twin-chat-widget")
    expect(widget.get_by_role("heading", level=2)).to_have_text(card["full_name"])
    widget.get_by_label("Your message").fill("Do you stream?")
    widget.get_by_label("Your message").press("Enter")
    expect(widget.locator(".tw-bot .tw-body").last).to_have_text("The widget streams too.")
    assert [request.url for request in requests] == [f"{stream_url}/chat/stream"]
