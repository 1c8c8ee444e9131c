"""Real-browser fixtures: Debian's chromium driven by Playwright, the app served by uvicorn on 127.0.0.1
with its OpenAI provider pointed at the local fake, and host pages on other origins for the widget.

Chromium missing is a failure, never a skip: CI installs it (`.ci/run`).
"""

from __future__ import annotations

import asyncio
import functools
import json
import shutil
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from service.app import build_memory, create_app
from service.http.controllers.web import WebAssets
from service.owner.loop import Feedback, OwnerLoop
from service.settings import Settings
from tests.conftest import EXAMPLE_PERSONA, REPO
from tests.support.fake_openai import FakeOpenAI
from tests.support.settings import settings_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WEB_DIST = REPO / "web" / "dist"
AXE = REPO / "web" / "node_modules" / "axe-core" / "axe.min.js"
MAX_MESSAGE_CHARS = 500

# Generous waits keep the suite steady on a busy CI machine; passing tests never wait for them.
expect.set_options(timeout=10_000)


def _listening_socket() -> socket.socket:
    """A bound, listening socket: clients may connect before the server loop runs (no sleeps)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


def _origin(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@dataclass
class Served:
    """An app running under uvicorn in a thread."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve_app(settings: Settings) -> Served:
    sock = _listening_socket()
    config = uvicorn.Config(create_app(settings), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    return Served(url=_origin(sock), server=server, thread=thread)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


@dataclass
class HostSite:
    """A static site on its own origin, for embedding the widget."""

    url: str
    root: Path
    httpd: ThreadingHTTPServer

    def page(self, name: str, body: str) -> str:
        (self.root / name).write_text(body, encoding="utf-8")
        return f"{self.url}/{name}"


def _host_site(root: Path, sock: socket.socket) -> HostSite:
    root.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(_Quiet, directory=str(root))
    httpd = ThreadingHTTPServer(sock.getsockname(), handler, bind_and_activate=False)
    httpd.socket.close()
    httpd.socket = sock
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return HostSite(url=_origin(sock), root=root, httpd=httpd)


@pytest.fixture(scope="session")
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(scope="session")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HostSite, HostSite]]:
    """(allowed, refused): two host sites on other origins; only the first is in CORS_ORIGINS."""
    root = tmp_path_factory.mktemp("sites")
    allowed = _host_site(root / "allowed", _listening_socket())
    refused = _host_site(root / "refused", _listening_socket())
    yield allowed, refused
    for site in (allowed, refused):
        site.httpd.shutdown()
        site.httpd.server_close()


def _settings(tmp: Path, **env: Any) -> Settings:
    assert WebAssets.find(WEB_DIST) is not None, f"the front end is not built in {WEB_DIST}: run `make web`"
    base: dict[str, Any] = {
        "PERSONA_DIR": EXAMPLE_PERSONA,
        "MEMORY_DIR": tmp / "conversations",
        "TWIN_WEB_DIR": WEB_DIST,
        "TWIN_MAX_MESSAGE_CHARS": MAX_MESSAGE_CHARS,
        # One browser on 127.0.0.1 sends every test's messages: the servers the suite shares must not
        # rate-limit it (tests/service/http/test_abuse.py covers the limits).
        "TWIN_RATE_LIMIT_PER_MINUTE": 0,
        "TWIN_SESSION_RATE_LIMIT_PER_MINUTE": 0,
        "TWIN_NEW_SESSIONS_PER_HOUR": 0,
        # Nor spend quotas: the fake model reports every prompt's tokens, and pages keep their session.
        "TWIN_TOKENS_PER_IP_PER_MINUTE": 0,
        "TWIN_TOKENS_PER_IP_PER_DAY": 0,
        "TWIN_TOKENS_PER_SESSION_PER_DAY": 0,
    }
    return settings_for(**(base | env))


@pytest.fixture(scope="session")
def app_settings(
    fake: FakeOpenAI, sites: tuple[HostSite, HostSite], tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    """The settings `app_url` runs with: tests read what it stored through them."""
    return _settings(
        tmp_path_factory.mktemp("app"),
        TWIN_PROVIDER="openai",
        OPENAI_BASE_URL=fake.base_url,
        OPENAI_API_KEY="test-key",
        TWIN_LLM_MAX_RETRIES=0,
        TWIN_LLM_TIMEOUT_SECONDS=10.0,
        CORS_ORIGINS=sites[0].url,
    )


@pytest.fixture(scope="session")
def app_url(app_settings: Settings) -> Iterator[str]:
    """The twin with the OpenAI provider on the fake; CORS allows the first host site only."""
    served = serve_app(app_settings)
    yield served.url
    served.stop()


def stored_votes(settings: Settings, session_id: str) -> dict[int, tuple[str, str]]:
    """Votes the app recorded for a session, read from its records store: {reply: (rating, comment)}."""

    async def read() -> list[Feedback]:
        memory = build_memory(settings.storage)
        try:
            return await OwnerLoop(memory.records).feedback()
        finally:
            await memory.close()

    # Playwright's sync API keeps an event loop running in this thread: read from another one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        votes = pool.submit(asyncio.run, read()).result(timeout=10)
    return {vote.reply: (vote.rating, vote.comment) for vote in votes if vote.session_id == session_id}


@pytest.fixture(scope="session")
def card(app_url: str) -> dict[str, Any]:
    """The persona card the page shows (`GET /persona`)."""
    body: dict[str, Any] = httpx.get(f"{app_url}/persona", timeout=10).json()
    return body


@pytest.fixture(scope="session")
def bucket_url(app_url: str, sites: tuple[HostSite, HostSite]) -> str:
    """What a deployment does: web/dist copied to a static site, with its own config.json naming the API."""
    allowed, _ = sites
    bucket = allowed.root / "bucket"
    shutil.copytree(WEB_DIST, bucket, dirs_exist_ok=True)
    (bucket / "config.json").write_text(json.dumps({"apiUrl": app_url}), encoding="utf-8")
    return f"{allowed.url}/bucket"


@pytest.fixture(scope="session")
def offline_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The twin with the embedded offline provider."""
    served = serve_app(_settings(tmp_path_factory.mktemp("offline"), TWIN_PROVIDER="offline"))
    yield served.url
    served.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium (see .ci/run)"
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _context(browser: Browser, **options: Any) -> BrowserContext:
    """A fresh profile (empty localStorage), light scheme, desktop size."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme="light", **options)
    context.set_default_timeout(10_000)
    return context


def _watched_page(context: BrowserContext, fake: FakeOpenAI) -> Iterator[Page]:
    """A page that records any script a payload manages to run (window.__pwned) and any dialog."""
    fake.clear()
    page = context.new_page()
    page.add_init_script("window.__pwned = []; window.alert = (m) => window.__pwned.push(String(m));")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    assert dialogs == [], f"a dialog opened: {dialogs}"
    context.close()


@pytest.fixture
def page(browser: Browser, fake: FakeOpenAI) -> Iterator[Page]:
    yield from _watched_page(_context(browser), fake)


@pytest.fixture
def audit_page(browser: Browser, fake: FakeOpenAI) -> Iterator[Page]:
    """Like `page`, but the app's CSP is bypassed so that axe-core can be injected."""
    yield from _watched_page(_context(browser, bypass_csp=True), fake)


def run_axe(page: Page, selector: str | None = None) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations (WCAG 2.x A/AA rules and best practices)."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate(
        """async (selector) => await axe.run(selector ? { include: [selector] } : document, {
               resultTypes: ["violations"],
               runOnly: {
                   type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
               },
           })""",
        selector,
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
