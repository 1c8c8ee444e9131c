"""Screenshots for the README: the page on desktop and mobile, light and dark, the open widget, and the
owner's room (inbox, a conversation the owner stepped into, questions, stats) on a desktop and a phone.

They are taken from the real app in chromium on every run, so they always show the current UI.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import REPO
from tests.support.fake_openai import FakeOpenAI
from tests.support.owner import PASSWORD
from tests.web.conftest import HostSite
from tests.web.test_owner_room import room_server
from tests.web.test_widget import embed

SHOTS = REPO / "docs" / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 800}, "mobile": {"width": 360, "height": 740}}
REPLY = (
    "At Corvina Pay I lead the **platform team**:\n\n",
    "- a Kubernetes platform for 40 product teams\n",
    "- paved roads for CI/CD and observability\n\n",
    "More on [my site](https://freja.example/).",
)


def _rows(png: bytes) -> list[bytes]:
    """The (filtered) scanlines of a PNG: enough to tell whether two screenshots differ visibly."""
    width = height = 0
    data, at = b"", 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind = png[at + 4 : at + 8]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", png[at + 8 : at + 16])
        elif kind == b"IDAT":
            data += png[at + 8 : at + 8 + length]
        at += 12 + length
    raw = zlib.decompress(data)
    stride = len(raw) // height if height else 0
    return [raw[i * stride : (i + 1) * stride] for i in range(height)] if width else []


def save(path: Path, png: bytes) -> None:
    """Write the screenshot unless it matches the stored one but for a few anti-aliased rows.

    Chromium's software rasteriser varies a pixel here and there between runs; rewriting the file for
    that would leave every test run with changed files in git.
    """
    assert len(png) > 10_000
    if path.exists():
        old, new = _rows(path.read_bytes()), _rows(png)
        if len(old) == len(new) and sum(a != b for a, b in zip(old, new, strict=True)) <= len(new) // 50:
            return
    path.write_bytes(png)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["desktop", "mobile"])
def test_screenshot_of_the_page(
    browser: Browser, app_url: str, fake: FakeOpenAI, size: str, scheme: str
) -> None:
    fake.clear()
    fake.reply(*REPLY)
    context = browser.new_context(
        viewport=SIZES[size],  # type: ignore[arg-type]
        color_scheme=scheme,  # type: ignore[arg-type]
        reduced_motion="reduce",
        device_scale_factor=1,
    )
    try:
        page = context.new_page()
        page.goto(app_url + "/")
        page.get_by_role("button", name="What do you do at Corvina Pay?").click()
        expect(page.locator(".tw-bot .tw-body").last).to_contain_text("More on my site.")
        expect(page.locator(".tw")).not_to_have_class(re.compile(r"\btw-busy\b"))
        save(SHOTS / f"page-{size}-{scheme}.png", page.screenshot(animations="disabled", caret="hide"))
    finally:
        context.close()


@pytest.mark.parametrize(("size", "scheme"), [("desktop", "light"), ("mobile", "dark")])
def test_screenshot_of_the_open_widget(
    browser: Browser,
    app_url: str,
    fake: FakeOpenAI,
    sites: tuple[HostSite, HostSite],
    size: str,
    scheme: str,
) -> None:
    fake.clear()
    fake.reply(*REPLY)
    host_styles = "body { font: 18px/1.6 Georgia, serif; margin: 40px; max-width: 40em; }"
    url = embed(sites[0], app_url, "shot.html", 'data-title="Ask Freja" data-open="true"', styles=host_styles)
    context = browser.new_context(
        viewport=SIZES[size],  # type: ignore[arg-type]
        color_scheme=scheme,  # type: ignore[arg-type]
        reduced_motion="reduce",
    )
    try:
        page = context.new_page()
        page.goto(url)
        panel = page.get_by_role("dialog", name="Ask Freja")
        panel.get_by_role("button", name="What do you do at Corvina Pay?").click()
        expect(panel.locator(".tw-bot .tw-body").last).to_contain_text("More on my site.")
        expect(panel.locator(".tw")).not_to_have_class(re.compile(r"\btw-busy\b"))
        save(SHOTS / f"widget-{size}-{scheme}.png", page.screenshot(animations="disabled", caret="hide"))
    finally:
        context.close()


#: The room shows dates and times ("3 minutes ago", the spend cap's reset, the chart's days): rows
#: those change between runs are tolerated, a changed layout is not.
ROOM_TOLERANCE = 0.06


def save_room(path: Path, png: bytes) -> None:
    assert len(png) > 10_000
    if path.exists():
        old, new = _rows(path.read_bytes()), _rows(png)
        if (
            len(old) == len(new)
            and sum(a != b for a, b in zip(old, new, strict=True)) <= len(new) * ROOM_TOLERANCE
        ):
            return
    path.write_bytes(png)


def _seed_the_room(url: str, fake: FakeOpenAI) -> str:
    """Four visitors (a lead, two questions the twin could not answer, a vote down) and one
    conversation the owner will step into; returns that one's session."""
    fake.clear()
    contact = json.dumps({"email": "ada@example.com", "name": "Ada"})
    fake.tool_call("record_contact", contact, then="Thanks, Ada! I passed your email on.")
    questions = ("Do you play the bagpipes?", "Would you relocate to Berlin?")
    for question in questions:
        fake.tool_call(
            "record_unanswered_question", json.dumps({"question": question}), then="I passed it on."
        )
    fake.reply("I studied computer science at KTH in Stockholm.")
    fake.reply(*REPLY)
    fake.cached_tokens = 2048  # as OpenAI reports a cached stable prompt: the stats show the share

    def post(body: dict[str, str]) -> dict[str, str]:
        """A first message with a key: its conversation's id follows from both, the same every run."""
        keyed = {**body, "idempotency_key": f"screenshot-visitor-{sum(map(ord, body['message']))}"}
        answer: dict[str, str] = httpx.post(f"{url}/chat", json=keyed, timeout=10).json()
        return answer

    post({"message": "Could you email me at ada@example.com about a role?"})
    for question in questions:
        post({"message": question})
    voter = post({"message": "Where did you study?"})["session_id"]
    vote = {"session_id": voter, "reply": 1, "rating": "down", "comment": "I wanted the years too."}
    httpx.post(f"{url}/feedback", json=vote, timeout=10)
    live: str = post({"message": "What do you do at Corvina Pay?"})["session_id"]
    fake.cached_tokens = None
    return live


@pytest.mark.parametrize(("size", "scheme"), [("desktop", "light"), ("mobile", "dark")])
def test_screenshots_of_the_owners_room(
    browser: Browser, fake: FakeOpenAI, tmp_path: Path, size: str, scheme: str
) -> None:
    served = room_server(tmp_path, TWIN_PROVIDER="openai", OPENAI_BASE_URL=fake.base_url, OPENAI_API_KEY="k")
    context = browser.new_context(
        viewport=SIZES[size],  # type: ignore[arg-type]
        color_scheme=scheme,  # type: ignore[arg-type]
        reduced_motion="reduce",
        device_scale_factor=1,
        timezone_id="UTC",
        locale="en-GB",
    )
    try:
        live = _seed_the_room(served.url, fake)
        page = context.new_page()
        page.clock.set_fixed_time(datetime.now(UTC) + timedelta(minutes=2))
        page.goto(f"{served.url}/owner")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator(".or-item")).to_have_count(5)

        def shot(name: str) -> None:
            png = page.screenshot(animations="disabled", caret="hide")
            save_room(SHOTS / f"owner-{name}-{size}.png", png)

        shot("inbox")

        page.goto(f"{served.url}/owner/conversations/{live}")
        page.get_by_role("button", name="Step in live").click()
        box = page.get_by_label("Your message (the visitor sees it as from you)")
        box.fill("Hi, Freja here in person! Yes, I'm open to platform roles in Stockholm.")
        with page.expect_response(re.compile(r"/messages$")):
            box.press("Enter")
        httpx.post(
            f"{served.url}/chat",
            json={"message": "Great! Could we talk on Friday?", "session_id": live},
            timeout=10,
        )
        expect(page.locator(".or-user").last).to_contain_text("Could we talk on Friday?")
        page.locator(".or-presence").evaluate("(node) => node.scrollIntoView()")
        shot("live")

        page.goto(f"{served.url}/owner/questions")
        page.get_by_label("Answer in your own words (first person)").first.fill(
            "Only badly: I learned for my cousin's wedding."
        )
        shot("questions")

        page.goto(f"{served.url}/owner/stats")
        expect(page.locator("figure.or-chart")).to_have_count(4)
        if size == "mobile":
            page.locator("figure.or-chart").first.evaluate("(node) => node.scrollIntoView()")
        shot("stats")
    finally:
        context.close()
        served.stop()
