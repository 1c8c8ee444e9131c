"""The owner's room in real Chromium: signing in and out, the inbox after three visitors, answering a
question the twin then answers from, stepping in live with a visitor's page (and widget) open in
another browser, the CSV, the charts, CSRF from another origin, hostile text, keyboard, axe, phones."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.fake_openai import FakeOpenAI
from tests.support.owner import PASSWORD
from tests.web.conftest import HostSite, Served, _settings, run_axe, serve_app
from tests.web.test_chat_page import ask, open_chat, replies, wait_idle
from tests.web.test_widget import embed

UNANSWERABLE = "Do you play the bagpipes?"
ANSWER = "Only badly: I learned the bagpipes for my cousin's wedding in 2019."
EMAIL = "ada@example.com"
ASKED = json.dumps({"question": UNANSWERABLE})
NO_CORS_POST = '{method: "POST", mode: "no-cors", credentials: "include"}'
HOSTILE = (
    "<script>alert('visitor')</script><img src=x onerror=alert('img')> [link](javascript:alert('js')) "
    "![pic](https://evil.example/pic.png) \x1b[31mred\x1b[0m \u202eesrever\u202c done "
    "pay\u200bpal hid\U000e0049\U000e0047den \U0001f469\u200d\U0001f4bb"
)
HOSTILE_REPLY = (
    "**Bold** <img src=x onerror=alert('reply')> [click](javascript:alert('md')) "
    "![tracker](https://evil.example/t.png) <a href='https://evil.example' onclick=alert(1)>x</a> \u202eend"
    + "\n" * 30
    + "after"
    + "\n\u00a0" * 30  # lines that draw nothing are blank too
    + "\nthen"
    + "\n\u3164" * 30
    + "\nlast"
)


def room_server(tmp: Path, **env: Any) -> Served:
    return serve_app(_settings(tmp, TWIN_OWNER_PASSWORD=PASSWORD, **env))


@pytest.fixture
def room_url(fake: FakeOpenAI, sites: tuple[HostSite, HostSite], tmp_path: Path) -> Iterator[str]:
    """A room of its own per test (an empty inbox), answering through the fake model; the first host
    site may embed the widget."""
    fake.clear()
    served = room_server(
        tmp_path,
        TWIN_PROVIDER="openai",
        OPENAI_BASE_URL=fake.base_url,
        OPENAI_API_KEY="test-key",
        TWIN_LLM_MAX_RETRIES=0,
        CORS_ORIGINS=sites[0].url,
    )
    yield served.url
    served.stop()


@pytest.fixture
def card(room_url: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{room_url}/persona", timeout=10).json()
    return body


def context(browser: Browser, **options: Any) -> BrowserContext:
    options = {"viewport": {"width": 1280, "height": 860}, "color_scheme": "light", **options}
    made = browser.new_context(**options)
    made.set_default_timeout(10_000)
    return made


@pytest.fixture
def owner(browser: Browser) -> Iterator[Page]:
    """The owner's browser: any script a payload manages to run is recorded, and every request."""
    ctx = context(browser)
    page = ctx.new_page()
    page.add_init_script("window.__pwned = []; window.alert = (m) => window.__pwned.push(String(m));")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    assert dialogs == [], dialogs
    ctx.close()


@pytest.fixture
def visitor(browser: Browser) -> Iterator[Page]:
    ctx = context(browser)
    yield ctx.new_page()
    ctx.close()


def sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/owner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Inbox")).to_be_visible()


def visitor_asks(url: str, message: str) -> str:
    """A visitor asks through the API (for tests about the owner's side only); returns the session."""
    session_id: str = httpx.post(f"{url}/chat", json={"message": message}, timeout=10).json()["session_id"]
    return session_id


def visit(page: Page, url: str, card: dict[str, Any], message: str, reply: str | None = None) -> None:
    """A visitor opens the chat page and asks (the reply is the model's next script)."""
    open_chat(page, url, card)
    ask(page, message)
    if reply is not None:
        expect(replies(page).last).to_contain_text(reply)
    wait_idle(page)


def test_signing_in_with_a_wrong_then_the_right_password_and_out_again(owner: Page, room_url: str) -> None:
    owner.goto(f"{room_url}/owner/questions")
    expect(owner).to_have_url(f"{room_url}/owner?next=/owner/questions")
    owner.get_by_label("Password").fill("not the password at all")
    owner.get_by_role("button", name="Sign in").click()
    expect(owner.get_by_role("alert")).to_have_text("Wrong password.")
    owner.get_by_label("Password").fill(PASSWORD)
    owner.get_by_role("button", name="Sign in").click()
    expect(owner.get_by_role("heading", level=1, name="Questions")).to_be_visible()
    expect(owner).to_have_url(f"{room_url}/owner/questions")
    cookies = {c["name"]: c for c in owner.context.cookies()}
    assert cookies["twin_owner"]["httpOnly"] and cookies["twin_owner"]["sameSite"] == "Strict"
    assert cookies["twin_owner"]["path"] == "/owner"
    owner.get_by_role("button", name="Sign out").click()
    expect(owner.get_by_role("alert")).to_have_text("You are signed out.")
    owner.goto(f"{room_url}/owner/stats")
    expect(owner.get_by_label("Password")).to_be_visible()


def test_the_inbox_after_three_visitors_talked(
    owner: Page, browser: Browser, room_url: str, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    fake.tool_call("record_contact", json.dumps({"email": EMAIL}), then="Thanks, I passed it on.")
    fake.tool_call("record_unanswered_question", ASKED, then="I passed it on.")
    fake.reply("I studied at KTH.")
    for message, reply in [
        (f"Please email me at {EMAIL}", "Thanks, I passed it on."),
        (UNANSWERABLE, "I passed it on."),
        ("Where did you study?", "I studied at KTH."),
    ]:
        ctx = context(browser)
        page = ctx.new_page()
        visit(page, room_url, card, message, reply)
        if reply.startswith("I studied"):
            page.locator(".tw-bot").nth(1).get_by_role("button", name="Bad reply").click()
            expect(page.locator(".tw-bot").nth(1).get_by_label("What was wrong? (optional)")).to_be_visible()
        ctx.close()

    sign_in(owner, room_url)
    items = owner.locator(".or-item")
    expect(items).to_have_count(3)
    expect(owner.get_by_role("button", name="Needs attention 3")).to_be_visible()
    for text, reason in [(EMAIL, "New contact"), (UNANSWERABLE, "Open question"), ("study?", "Voted down")]:
        expect(items.filter(has_text=text).locator(".or-badge")).to_have_text(["Unread", "Live", reason])
    owner.get_by_label("Search conversations").fill("bagpipes")
    expect(items).to_have_count(1)
    expect(items).to_contain_text(UNANSWERABLE)
    owner.get_by_label("Search conversations").fill("")
    expect(items).to_have_count(3)
    items.filter(has_text=EMAIL).get_by_role("link").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text(EMAIL)
    expect(owner.locator(".or-event")).to_contain_text(["Contact recorded"])
    expect(owner.get_by_role("complementary").get_by_role("link", name=EMAIL)).to_be_visible()
    owner.get_by_role("link", name="← Inbox").click()
    expect(items.filter(has_text=EMAIL).locator(".or-badge")).to_have_text(["Live"])  # read now


def test_answering_a_question_teaches_the_twin_what_the_visitor_then_hears(
    owner: Page, visitor: Page, tmp_path: Path
) -> None:
    served = room_server(tmp_path, TWIN_PROVIDER="offline")
    try:
        card = httpx.get(f"{served.url}/persona", timeout=10).json()
        visit(visitor, served.url, card, UNANSWERABLE, "passed your question on")
        sign_in(owner, served.url)
        owner.locator(".or-item a").first.click()
        owner.get_by_role("link", name="Answer it").click()  # was: the link's #q-... was dropped
        expect(owner).to_have_url(re.compile(r"/owner/questions\?status=open#q-[0-9a-f]+$"))
        question = owner.locator(".or-question").filter(has_text=UNANSWERABLE)
        expect(question).to_be_in_viewport()
        question.get_by_label("Answer in your own words (first person)").fill(ANSWER)
        question.get_by_role("button", name="Answer").click()
        expect(owner.get_by_role("status").filter(has_text="Answered")).to_be_visible()
        expect(owner.get_by_text("No open questions")).to_be_visible()
        ask(visitor, UNANSWERABLE)
        expect(replies(visitor).last).to_contain_text(ANSWER)
    finally:
        served.stop()


def test_stepping_in_live_with_the_visitors_page_open_messages_go_both_ways(
    owner: Page, visitor: Page, room_url: str, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    fake.reply("I work at Corvina Pay.")
    visit(visitor, room_url, card, "Where do you work?", "I work at Corvina Pay.")
    sign_in(owner, room_url)
    owner.locator(".or-item a").first.click()
    owner.get_by_role("button", name="Step in live").click()
    expect(owner.locator(".or-presence")).to_contain_text("You are in this conversation")
    expect(visitor.locator(".tw-presence")).to_have_text(
        f"{card['name']} is here in person: your messages go to them directly.", timeout=2000
    )

    with owner.expect_response(re.compile(r"/messages$")) as sent:
        owner.get_by_label("Your message (the visitor sees it as from you)").fill("Hi, it's really me.")
        owner.get_by_label("Your message (the visitor sees it as from you)").press("Enter")
    assert sent.value.status == 201
    theirs = visitor.locator(".tw-owner")
    expect(theirs).to_have_text(f"{card['name']}, in personHi, it's really me.", timeout=2000)

    calls = fake.request_count
    ask(visitor, "Great to meet you!")
    wait_idle(visitor)
    expect(visitor.locator(".tw-user .tw-body").last).to_have_text("Great to meet you!")
    expect(visitor.locator(".tw-bot")).to_have_count(2)  # the greeting and the one reply: no new one
    expect(owner.locator(".or-user").last).to_contain_text("Great to meet you!", timeout=2000)
    assert fake.request_count == calls

    owner.get_by_role("button", name="Leave: the twin answers again").click()
    expect(visitor.locator(".tw-presence")).to_contain_text("has left the conversation", timeout=2000)
    fake.reply("Yes, as I said in person.")
    ask(visitor, "So what now?")
    expect(replies(visitor).last).to_have_text("Yes, as I said in person.")
    history = [m["content"] for m in fake.last_request["messages"][1:]]
    assert any("Hi, it's really me." in m for m in history) and "Great to meet you!" in history


def test_the_owner_in_person_reaches_the_widget_on_another_site(
    owner: Page, visitor: Page, room_url: str, sites: tuple[HostSite, HostSite], fake: FakeOpenAI
) -> None:
    allowed, _ = sites
    fake.reply("Hello from the widget.")
    visitor.goto(embed(allowed, room_url, "room-widget.html", 'data-title="Ask Freja" data-open="true"'))
    panel = visitor.get_by_role("dialog", name="Ask Freja")
    panel.get_by_label("Your message").fill("Hello?")
    panel.get_by_label("Your message").press("Enter")
    expect(panel.locator(".tw-bot .tw-body").last).to_have_text("Hello from the widget.")
    sign_in(owner, room_url)
    owner.locator(".or-item a").first.click()
    owner.get_by_role("button", name="Step in live").click()
    owner.get_by_label("Your message (the visitor sees it as from you)").fill("Welcome to my site!")
    with owner.expect_response(re.compile(r"/messages$")):
        owner.get_by_role("button", name="Send").click()
    expect(panel.locator(".tw-owner")).to_contain_text("Welcome to my site!", timeout=2000)
    expect(panel.locator(".tw-presence")).to_contain_text("is here in person")


def test_leads_download_as_csv_and_charts_are_drawn(
    owner: Page, visitor: Page, room_url: str, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    formula = json.dumps({"email": EMAIL, "name": "=cmd|' /C calc'!A0"})
    fake.tool_call("record_contact", formula, then="Noted.")
    fake.cached_tokens = 300  # the provider served part of each prompt from its cache
    visit(visitor, room_url, card, f"Email me at {EMAIL}", "Noted.")
    sign_in(owner, room_url)
    owner.get_by_role("link", name="Leads").click()
    expect(owner.get_by_role("cell", name=EMAIL)).to_be_visible()
    with owner.expect_download() as download:
        owner.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert EMAIL in text and ",'=cmd|" in text
    assert re.fullmatch(r"twin-leads-\d{4}-\d{2}-\d{2}\.csv", download.value.suggested_filename)

    owner.get_by_role("link", name="Stats").click()
    charts = owner.locator("figure.or-chart")
    expect(charts).to_have_count(4)
    expect(charts.first.locator("rect.or-bar")).not_to_have_count(0)
    summary = re.compile(r"^Visitor messages per day\. Over 7 days: 1 answered")
    expect(owner.get_by_role("img", name=summary)).to_be_visible()
    expect(owner.locator(".or-gauge")).to_have_count(2)
    stats = owner.evaluate("fetch('/owner/api/stats?days=7').then((r) => r.json())")
    cached, share = stats["tokens_cached"], int(100 * stats["tokens_cached"] / stats["tokens_in"] + 0.5)
    assert cached > 0
    tokens = owner.locator(".or-tile", has_text="Tokens in / out")
    expect(tokens).to_contain_text(f"{cached} in from the prompt cache ({share}%)")
    expect(owner.get_by_role("columnheader", name="Cached")).to_be_visible()
    today = owner.locator(".or-numbers tbody tr").first  # newest first
    expect(today.locator("td").nth(5)).to_have_text(str(cached))  # after conversations ... tokens in
    owner.get_by_role("button", name="30 days").click()
    expect(owner.locator(".or-numbers tbody tr")).to_have_count(30)


def test_a_state_change_from_another_origin_is_refused(
    owner: Page, room_url: str, sites: tuple[HostSite, HostSite], fake: FakeOpenAI
) -> None:
    """127.0.0.1 on another port is the same site, so even the SameSite=Strict cookies go with these
    requests: the CSRF token and the origin check are what refuse them."""
    fake.tool_call("record_unanswered_question", ASKED, then="Noted.")
    session_id = visitor_asks(room_url, UNANSWERABLE)
    sign_in(owner, room_url)
    [question] = owner.evaluate("fetch('/owner/api/questions').then((r) => r.json())")["questions"]
    _, refused = sites
    attack = refused.page(
        "attack.html",
        f"""<!doctype html><html lang="en"><head><title>Prize</title></head><body>
<form id="f" method="post" action="{room_url}/owner/logout"></form>
<script>
fetch("{room_url}/owner/api/questions/{question["id"]}/dismiss", {NO_CORS_POST})
  .then(() => fetch("{room_url}/owner/api/conversations/{session_id}/join", {NO_CORS_POST}))
  .finally(() => document.getElementById("f").submit());
</script></body></html>""",
    )
    answers: list[tuple[str, int]] = []
    owner.on("response", lambda r: answers.append((urlsplit(r.url).path, r.status)))
    with owner.expect_navigation(url=re.compile(r"/owner/logout$")):
        owner.goto(attack)
    assert ("/owner/logout", 403) in answers
    owner.goto(f"{room_url}/owner/questions")
    expect(owner.locator(".or-question")).to_contain_text(UNANSWERABLE)  # still open, not dismissed
    view = httpx.get(f"{room_url}/conversation/{session_id}", timeout=10).json()
    assert "owner_present" not in view  # not joined
    expect(owner.get_by_role("heading", level=1, name="Questions")).to_be_visible()  # still signed in


def test_hostile_visitor_and_model_text_stays_inert_in_every_owner_view(
    owner: Page, visitor: Page, room_url: str, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    fake.reply(HOSTILE_REPLY)
    visit(visitor, room_url, card, HOSTILE, "Bold")
    visitor.locator(".tw-bot").nth(1).get_by_role("button", name="Bad reply").click()
    why = visitor.locator(".tw-bot").nth(1).get_by_label("What was wrong? (optional)")
    why.fill("<img src=x onerror=alert('comment')>\x07")
    why.press("Enter")
    expect(visitor.locator(".tw-rate-note")).to_have_text("Thanks for the feedback.")

    elsewhere: list[str] = []
    owner.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith(room_url) else None)
    sign_in(owner, room_url)
    expect(owner.locator(".or-item-first")).to_contain_text("<script>alert('visitor')</script>")
    expect(owner.locator(".or-item-first")).to_contain_text("\u241b[31mred")  # ESC made visible
    expect(owner.locator(".or-item-first")).to_contain_text("\u27e8U+202E\u27e9esrever")
    # zero-width and tag characters shown, an emoji's joiner left alone
    first = "pay\u27e8U+200B\u27e9pal hid\u27e8U+E0049\u27e9\u27e8U+E0047\u27e9den \U0001f469\u200d\U0001f4bb"
    expect(owner.locator(".or-item-first")).to_contain_text(first)
    owner.locator(".or-item a").first.click()
    message = owner.locator(".or-msg.or-user")
    expect(message).to_contain_text("<img src=x onerror=alert('img')>")
    reply = owner.locator(".or-msg.or-assistant")
    expect(reply.locator("strong")).to_have_text("Bold")
    expect(reply).to_contain_text("\u27e8U+202E\u27e9end")
    expect(reply).to_contain_text("\u27e829 blank lines\u27e9")
    expect(reply).to_contain_text(
        re.compile(r"after\s*\u27e8\d+ blank lines\u27e9\s*then\s*\u27e8\d+ blank lines\u27e9\s*last")
    )
    expect(owner.locator(".or-event")).to_contain_text(["<img src=x onerror=alert('comment')>\u2407"])
    owner.get_by_role("link", name="Feedback").click()
    expect(owner.locator(".or-vote")).to_contain_text("onerror=alert('comment')")
    for page_name in ("Inbox", "Feedback"):
        owner.get_by_role("link", name=page_name).click()
        assert owner.locator("main img, main script, main iframe").count() == 0
        hrefs = owner.locator("main a").evaluate_all("(links) => links.map((a) => a.getAttribute('href'))")
        assert all(h.startswith(("/owner", "https://", "http://", "mailto:")) for h in hrefs), hrefs
    assert owner.evaluate("window.__pwned") == [] and elsewhere == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_rooms_pages_have_no_serious_accessibility_violations(
    browser: Browser, room_url: str, card: dict[str, Any], fake: FakeOpenAI, scheme: str
) -> None:
    fake.tool_call("record_unanswered_question", ASKED, then="Noted.")
    session_id = visitor_asks(room_url, UNANSWERABLE)
    ctx = context(browser, bypass_csp=True, color_scheme=scheme)
    page = ctx.new_page()
    try:
        page.goto(f"{room_url}/owner")
        assert run_axe(page) == [], "sign-in"
        sign_in(page, room_url)
        for path, ready in [
            ("", ".or-item"),
            (f"/conversations/{session_id}", ".or-msg"),
            ("/questions", ".or-question"),
            ("/instructions", "textarea"),
            ("/leads", "table"),
            ("/feedback", ".or-empty"),
            ("/stats", ".or-chart"),
            ("/audit", "tbody tr"),
        ]:
            page.goto(f"{room_url}/owner{path}")
            page.wait_for_selector(ready)
            if path.startswith("/conversations"):
                page.get_by_role("button", name="Step in live").click()
                expect(page.locator(".or-composer")).to_be_visible()
            assert run_axe(page) == [], path
    finally:
        ctx.close()


def test_the_instructions_counter_counts_as_the_server_does(owner: Page, room_url: str) -> None:
    """Was: an emoji counted two (UTF-16 units) and trailing blanks counted, so text the server takes
    was shown as too long with Save disabled."""
    sign_in(owner, room_url)
    owner.get_by_role("link", name="Instructions").click()
    box = owner.get_by_role("textbox")
    box.fill("\U0001f600" * 1500 + "\n\n")
    expect(owner.locator("#or-instructions-count")).to_have_text("1500 / 2000 characters")
    owner.get_by_role("button", name="Save").click()
    expect(owner.get_by_text("Saved: the twin follows them from the next message.")).to_be_visible()


def test_a_keyboard_alone_answers_a_question_and_moves_between_pages(
    owner: Page, room_url: str, fake: FakeOpenAI
) -> None:
    fake.tool_call("record_unanswered_question", ASKED, then="Noted.")
    visitor_asks(room_url, UNANSWERABLE)
    owner.goto(f"{room_url}/owner")
    expect(owner.get_by_label("Password")).to_be_focused()
    owner.keyboard.type(PASSWORD)
    owner.keyboard.press("Enter")
    expect(owner.get_by_role("heading", level=1, name="Inbox")).to_be_visible()
    owner.keyboard.press("Tab")
    expect(owner.get_by_role("link", name="Skip to content")).to_be_focused()
    owner.keyboard.press("Tab")
    expect(owner.get_by_role("link", name="Inbox")).to_be_focused()
    owner.keyboard.press("Tab")
    expect(owner.get_by_role("link", name="Questions")).to_be_focused()
    owner.keyboard.press("Enter")
    expect(owner.get_by_role("heading", level=1, name="Questions")).to_be_focused()
    for name in ("Open", "Answered", "Dismissed", "conversation"):  # the tabs, the question's link
        owner.keyboard.press("Tab")
        expect(owner.locator(":focus")).to_contain_text(name)
    owner.keyboard.press("Tab")
    expect(owner.get_by_label("Answer in your own words (first person)")).to_be_focused()
    owner.keyboard.type(ANSWER)
    owner.keyboard.press("Tab")
    expect(owner.get_by_role("button", name="Answer", exact=True)).to_be_focused()
    owner.keyboard.press("Enter")
    expect(owner.get_by_role("status").filter(has_text="Answered")).to_be_visible()


def test_the_room_fits_a_360_pixel_phone(browser: Browser, room_url: str, fake: FakeOpenAI) -> None:
    visitor_asks(room_url, "Where do you work?")
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, color_scheme="dark")
    page = ctx.new_page()
    try:
        sign_in(page, room_url)
        for path in ("", "/stats", "/questions", "/leads", "/audit"):
            page.goto(f"{room_url}/owner{path}")
            page.wait_for_selector("h1")
            page.wait_for_load_state("networkidle")
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    finally:
        ctx.close()
