"""The chat page in a real browser: streaming, suggestions, memory across reloads, safe markdown, states."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from tests.support.fake_openai import FakeOpenAI
from tests.web.conftest import MAX_MESSAGE_CHARS, run_axe

# Every state the latest reply goes through: "[typing]" while the indicator shows, then its text.
RECORD_REPLY_TEXT = """
window.__snapshots = [];
new MutationObserver(() => {
  const replies = document.querySelectorAll(".tw-bot");
  const last = replies[replies.length - 1];
  const state = !last ? "" : last.classList.contains("tw-typing") && last.querySelector(".tw-dots")
    ? "[typing]" : last.querySelector(".tw-body").textContent;
  if (window.__snapshots[window.__snapshots.length - 1] !== state) window.__snapshots.push(state);
}).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
"""


def open_chat(page: Page, url: str, card: dict[str, Any]) -> None:
    page.goto(url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(card["full_name"])


def ask(page: Page, text: str) -> None:
    page.get_by_label("Your message").fill(text)
    page.get_by_label("Your message").press("Enter")


def replies(page: Page) -> Any:
    return page.locator(".tw-bot .tw-body")


def wait_idle(page: Page) -> None:
    expect(page.locator(".tw")).not_to_have_class(re.compile(r"\btw-busy\b"))


def stored_session(page: Page) -> str | None:
    value: str | None = page.evaluate(
        "() => Object.entries(localStorage).find(([k]) => k.startsWith('twin:session:'))?.[1] ?? null"
    )
    return value


def test_page_is_served_to_browsers_with_card_greeting_and_suggestions(
    page: Page, app_url: str, card: dict[str, Any]
) -> None:
    open_chat(page, app_url, card)
    assert page.title() == f"Chat with {card['name']}"
    expect(page.get_by_text(card["headline"])).to_be_visible()
    expect(replies(page).first).to_have_text(card["greeting"])
    suggestions = page.get_by_role("group", name="Suggested questions").get_by_role("button")
    expect(suggestions).to_have_text(card["suggested_questions"])
    expect(page.get_by_label("Your message")).to_be_focused()
    expect(page.locator(".tw-offline")).to_be_hidden()
    assert httpx.get(app_url + "/", timeout=10).json()["message"] == "AI Digital Twin API"


def test_a_message_sent_while_the_twin_loads_goes_once_it_is_ready(
    page: Page, app_url: str, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    fake.reply("Here now.")
    held: list[Route] = []
    page.route("**/persona", lambda route: held.append(route))
    with page.expect_request("**/persona"):
        page.goto(app_url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Loading…")
    ask(page, "Are you there?")
    expect(page.get_by_label("Your message")).to_have_value("Are you there?")  # kept while it loads
    assert fake.request_count == 0
    held[0].continue_()
    expect(page.locator(".tw-user .tw-body").last).to_have_text("Are you there?")
    expect(replies(page).last).to_have_text("Here now.")
    expect(page.get_by_label("Your message")).to_have_value("")
    assert fake.request_count == 1


def test_reply_streams_in_more_than_one_piece_after_a_typing_indicator(
    page: Page, app_url: str, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    fake.reply("I run the ", "platform team ", "at Corvina Pay.", delay=0.25)
    page.add_init_script(RECORD_REPLY_TEXT)
    open_chat(page, app_url, card)
    ask(page, "What do you do?")
    expect(page.locator(".tw-user .tw-body").last).to_have_text("What do you do?")
    expect(replies(page).last).to_have_text("I run the platform team at Corvina Pay.")
    wait_idle(page)
    final = "I run the platform team at Corvina Pay."
    snapshots: list[str] = [text.strip() for text in page.evaluate("window.__snapshots")]
    typing = snapshots.index("[typing]")
    growing = [text for text in snapshots[typing + 1 :] if text]
    assert growing[-1] == final and len(growing) >= 2, snapshots  # text grew: more than one piece
    assert all(final.startswith(text) for text in growing), snapshots
    expect(page.locator("[aria-live=polite]")).to_have_text(
        f"{card['name']}'s twin: I run the platform team at Corvina Pay."
    )
    expect(page.get_by_label("Your message")).to_be_focused()
    assert fake.last_request["stream"] is True


@pytest.mark.parametrize(("motion", "animation"), [("no-preference", "tw-blink"), ("reduce", "none")])
def test_typing_indicator_honours_reduced_motion(
    page: Page, app_url: str, card: dict[str, Any], fake: FakeOpenAI, motion: str, animation: str
) -> None:
    page.emulate_media(reduced_motion=motion)  # type: ignore[arg-type]
    fake.reply("Slowly.", delay=0.5)
    open_chat(page, app_url, card)
    ask(page, "Are you animated?")
    dot = page.locator(".tw-typing .tw-dots i").first
    expect(dot).to_be_visible()
    assert dot.evaluate("e => getComputedStyle(e).animationName") == animation
    expect(replies(page).last).to_have_text("Slowly.")


def test_reply_buffered_into_one_piece_by_a_proxy_still_arrives(
    page: Page, app_url: str, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    fake.reply("Buffered ", "by a ", "proxy.")
    bodies: list[bytes] = []

    def buffer_whole_stream(route: Route) -> None:
        response = route.fetch()  # the whole body, then delivered in one piece, as API Gateway does
        bodies.append(response.body())
        route.fulfill(response=response)

    page.route("**/chat/stream", buffer_whole_stream)
    open_chat(page, app_url, card)
    ask(page, "Hello?")
    expect(replies(page).last).to_have_text("Buffered by a proxy.")
    assert bodies and bodies[0].count(b"event: delta") == 3


def test_enter_sends_and_shift_enter_adds_a_line(
    page: Page, app_url: str, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    fake.reply("Two lines received.")
    open_chat(page, app_url, card)
    box = page.get_by_label("Your message")
    box.type("first line")
    box.press("Shift+Enter")
    box.type("second line")
    expect(box).to_have_value("first line\nsecond line")
    assert fake.request_count == 0
    box.press("Enter")
    expect(replies(page).last).to_have_text("Two lines received.")
    expect(page.locator(".tw-user .tw-body").last).to_have_text("first line\nsecond line")
    expect(box).to_have_value("")


def test_suggested_question_is_asked_when_clicked(
    page: Page, app_url: str, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    fake.reply("At Nordlys Freight I built the routing platform.")
    open_chat(page, app_url, card)
    question = card["suggested_questions"][1]
    page.get_by_role("button", name=question).click()
    expect(page.locator(".tw-user .tw-body").last).to_have_text(question)
    expect(replies(page).last).to_have_text("At Nordlys Freight I built the routing platform.")
    expect(page.get_by_role("group", name="Suggested questions")).to_be_hidden()
    messages = fake.last_request["messages"]
    assert isinstance(messages, list) and messages[-1] == {"role": "user", "content": question}


def test_reload_keeps_the_conversation_and_new_conversation_clears_it(
    page: Page, app_url: str, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    fake.reply("First answer.").reply("Second answer.")
    open_chat(page, app_url, card)
    ask(page, "First question")
    expect(replies(page).last).to_have_text("First answer.")
    wait_idle(page)
    ask(page, "Second question")
    expect(replies(page).last).to_have_text("Second answer.")
    wait_idle(page)  # the turn is stored when its stream ends; a reload before that abandons it
    session_id = stored_session(page)
    assert session_id and len(session_id) == 32

    page.reload()
    expect(page.locator(".tw-user .tw-body")).to_have_text(["First question", "Second question"])
    expect(replies(page)).to_have_text([card["greeting"], "First answer.", "Second answer."])
    assert stored_session(page) == session_id

    fake.reply("Continued.")
    ask(page, "Third question")
    expect(replies(page).last).to_have_text("Continued.")
    wait_idle(page)  # `done` arrives once the turn is stored
    stored = httpx.get(f"{app_url}/conversation/{session_id}", timeout=10).json()["messages"]
    assert [m["content"] for m in stored][-2:] == ["Third question", "Continued."]

    page.get_by_role("button", name="New conversation").click()
    expect(page.locator(".tw-user")).to_have_count(0)
    expect(replies(page)).to_have_text([card["greeting"]])
    expect(page.get_by_role("group", name="Suggested questions")).to_be_visible()
    assert stored_session(page) is None
    page.reload()
    expect(replies(page)).to_have_text([card["greeting"]])
    expect(page.locator(".tw-user")).to_have_count(0)


def test_delete_my_conversation_forgets_it_here(
    page: Page, app_url: str, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    fake.reply("Something to delete.")
    open_chat(page, app_url, card)
    expect(page.get_by_role("button", name="Delete my conversation")).to_be_hidden()
    ask(page, "Remember this")
    expect(replies(page).last).to_have_text("Something to delete.")
    wait_idle(page)
    session_id = stored_session(page)
    page.get_by_role("button", name="Delete my conversation").click()
    expect(page.locator(".tw-notice")).to_contain_text("Your conversation was")
    expect(page.locator(".tw-user")).to_have_count(0)
    assert stored_session(page) is None
    status = httpx.get(f"{app_url}/conversation/{session_id}", timeout=10).status_code
    supported = "deleted." in (page.locator(".tw-notice").text_content() or "")
    assert status == (404 if supported else 200)
    page.reload()
    expect(page.locator(".tw-user")).to_have_count(0)


def test_delete_uses_the_delete_endpoint_when_it_exists(
    page: Page, app_url: str, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    fake.reply("Stored.")
    calls: list[str] = []

    def deleted(route: Route) -> None:
        if route.request.method != "DELETE":
            route.fallback()
            return
        calls.append(route.request.url)
        route.fulfill(status=204)

    page.route("**/conversation/*", deleted)
    open_chat(page, app_url, card)
    ask(page, "Remember this")
    expect(replies(page).last).to_have_text("Stored.")
    wait_idle(page)
    session_id = stored_session(page)
    page.get_by_role("button", name="Delete my conversation").click()
    expect(page.locator(".tw-notice-text")).to_have_text("Your conversation was deleted.")
    assert calls == [f"{app_url}/conversation/{session_id}"]


def test_markdown_in_replies_renders_with_safe_links(
    page: Page, app_url: str, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    fake.reply(
        "Here is **what I do**:\n\n",
        "- platform *engineering*\n- `kubectl` daily\n\n",
        "See [my site](https://freja.example/) or [this](javascript:alert(1)).",
    )
    open_chat(page, app_url, card)
    ask(page, "Markdown please")
    reply = replies(page).last
    expect(reply.locator("strong")).to_have_text("what I do")
    expect(reply.locator("li")).to_have_text(["platform engineering", "kubectl daily"])
    expect(reply.locator("em")).to_have_text("engineering")
    expect(reply.locator("code")).to_have_text("kubectl")
    link = reply.get_by_role("link", name="my site")
    expect(link).to_have_attribute("href", "https://freja.example/")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", re.compile(r"\bnoopener\b"))
    assert reply.locator("a[href^='javascript']").count() == 0


PAYLOADS = [
    "<script>window.__pwned.push('script')</script>",
    "<img src=x onerror=\"window.__pwned.push('img')\">",
    "<svg onload=\"window.__pwned.push('svg')\"></svg>",
    "<a href=\"javascript:window.__pwned.push('href')\">click</a>",
    "[md link](javascript:window.__pwned.push('md'))",
    "<iframe srcdoc=\"<script>parent.__pwned.push('iframe')</script>\"></iframe>",
    '<div style="x" onmouseover="window.__pwned.push(\'hover\')">hover me</div>',
]


@pytest.mark.parametrize("served_by", ["app", "bucket"])
def test_script_and_event_handler_payloads_never_run(
    request: pytest.FixtureRequest, page: Page, card: dict[str, Any], fake: FakeOpenAI, served_by: str
) -> None:
    """Served by the app the page also has a CSP; from a plain static copy, sanitising alone must hold."""
    url = request.getfixturevalue("app_url" if served_by == "app" else "bucket_url")
    payload = "\n\n".join(PAYLOADS)
    fake.reply(*PAYLOADS)
    page.goto(url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(card["full_name"])
    ask(page, payload)
    expect(page.locator(".tw-user .tw-body").last).to_have_text(payload)  # the visitor's words, shown as text
    expect(replies(page).last).to_contain_text("hover me")
    wait_idle(page)
    page.locator(".tw-log").get_by_text("hover me").last.hover()
    page.locator(".tw-log").get_by_text("click").last.click(force=True)
    page.reload()  # history is rendered again from the server
    expect(page.locator(".tw-user .tw-body").last).to_have_text(payload)
    expect(replies(page).last).to_contain_text("hover me")
    log = page.locator(".tw-log")
    # The only SVG allowed in the log is the UI's own thumb icon, which no payload can become.
    assert (
        log.locator(
            "script, img, svg:not(.tw-thumb > svg), iframe, [onerror], [onload], [onmouseover]"
        ).count()
        == 0
    )
    assert log.locator(".tw-thumb > svg").count() == 2 * log.locator(".tw-rate").count()
    assert log.locator("a[href^='javascript']").count() == 0
    assert page.evaluate("window.__pwned") == []


def test_too_long_message_shows_the_limit_and_is_not_sent(
    page: Page, app_url: str, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    open_chat(page, app_url, card)
    box = page.get_by_label("Your message")
    box.fill("x" * 10)
    expect(page.locator(".tw-count")).to_have_text(f"10 / {MAX_MESSAGE_CHARS} characters")
    box.fill("x" * (MAX_MESSAGE_CHARS + 1))
    expect(page.locator(".tw-count")).to_contain_text(f"at most {MAX_MESSAGE_CHARS} characters")
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("button", name="Send")).to_be_disabled()
    box.press("Enter")
    expect(page.locator(".tw-user")).to_have_count(0)
    assert fake.request_count == 0


def test_rate_limited_visitor_is_told_how_long_to_wait_and_keeps_the_message(
    page: Page, app_url: str, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    # The API's rate limiting is a later issue; its contract (429 + Retry-After) is played by a route.
    page.route(
        "**/chat/stream",
        lambda route: route.fulfill(
            status=429,
            headers={"Retry-After": "7", "Content-Type": "application/json"},
            body='{"status_code": 429, "detail": "too many requests"}',
        ),
    )
    open_chat(page, app_url, card)
    ask(page, "Am I too fast?")
    expect(page.locator(".tw-notice-text")).to_have_text(
        "You're sending messages too quickly. Please wait 7 s and try again."
    )
    expect(page.get_by_label("Your message")).to_have_value("Am I too fast?")
    expect(page.get_by_role("button", name="Send")).to_be_disabled()
    expect(page.locator(".tw-user")).to_have_count(0)
    assert fake.request_count == 0


def test_model_failure_offers_a_retry_that_works(
    page: Page, app_url: str, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    fake.fail(500).reply("Back again.")
    open_chat(page, app_url, card)
    ask(page, "Are you there?")
    notice = page.locator(".tw-notice")
    expect(notice).to_contain_text("The twin can't answer right now.")
    expect(page.get_by_label("Your message")).to_have_value("Are you there?")
    page.get_by_role("button", name="Retry").click()
    expect(replies(page).last).to_have_text("Back again.")
    assert fake.request_count == 2
    expect(page.locator(".tw-user .tw-body")).to_have_text(["Are you there?"])
    expect(notice).to_be_hidden()


def test_unreachable_server_shows_a_retry_that_recovers(
    page: Page, app_url: str, card: dict[str, Any]
) -> None:
    failures: list[str] = []

    def down_once(route: Route) -> None:
        if not failures:
            failures.append(route.request.url)
            route.abort("connectionrefused")
        else:
            route.fallback()

    page.route("**/persona", down_once)
    page.goto(app_url + "/")
    notice = page.locator(".tw-notice")
    expect(notice).to_contain_text("The twin's server can't be reached.")
    page.get_by_role("button", name="Retry").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(card["full_name"])
    expect(notice).to_be_hidden()
    assert len(failures) == 1


def test_offline_provider_is_announced(page: Page, offline_url: str) -> None:
    page.goto(offline_url + "/")
    expect(page.locator(".tw-offline")).to_contain_text("Offline mode: no language model is connected")
    ask(page, "What languages do you speak?")
    expect(replies(page)).to_have_count(2)
    expect(replies(page).last).not_to_be_empty()


def test_keyboard_only_visitor_can_chat_and_start_over(
    page: Page, app_url: str, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    fake.reply("Typed without a mouse.")
    open_chat(page, app_url, card)
    page.keyboard.type("Hello from the keyboard")
    page.keyboard.press("Enter")
    expect(replies(page).last).to_have_text("Typed without a mouse.")
    wait_idle(page)
    for _ in range(12):  # back through the tab order to the header's tools
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.textContent") == "New conversation":
            break
    page.keyboard.press("Enter")
    expect(page.locator(".tw-user")).to_have_count(0)
    expect(page.get_by_label("Your message")).to_be_focused()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_page_has_no_serious_accessibility_violations(
    audit_page: Page, app_url: str, card: dict[str, Any], fake: FakeOpenAI, scheme: str
) -> None:
    page = audit_page
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    fake.reply("A reply with a [link](https://freja.example/) and `code`.")
    open_chat(page, app_url, card)
    ask(page, "A question")
    expect(replies(page).last).to_contain_text("A reply with a link")
    wait_idle(page)
    assert run_axe(page) == []


def test_page_fits_a_360_pixel_phone(
    page: Page, app_url: str, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    fake.reply("Small screens work too.")
    open_chat(page, app_url, card)
    ask(page, "Does this fit?")
    expect(replies(page).last).to_have_text("Small screens work too.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    box = page.get_by_role("button", name="Send").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 360


@pytest.mark.parametrize("again", ["Retry", "Send"])
def test_sending_again_after_a_lost_answer_gets_the_stored_reply_not_a_second_turn(
    page: Page, app_url: str, card: dict[str, Any], fake: FakeOpenAI, again: str
) -> None:
    """The server stored the turn but its answer never arrived: the words sent again (Retry, or Send
    with the words the page put back) carry the same idempotency key."""
    fake.reply("Stored once.")
    sent: list[dict[str, Any]] = []

    def lost_on_the_way(route: Route) -> None:
        sent.append(json.loads(route.request.post_data or "{}"))
        if len(sent) == 1:
            route.fetch()  # the app answers (and stores the turn) ...
            route.abort("connectionreset")  # ... but the visitor's connection drops
        else:
            route.fallback()

    page.route("**/chat/stream", lost_on_the_way)
    open_chat(page, app_url, card)
    ask(page, "Will you remember?")
    expect(page.get_by_role("button", name="Retry")).to_be_visible()
    expect(page.get_by_label("Your message")).to_have_value("Will you remember?")
    page.get_by_role("button", name=again).click()
    expect(replies(page).last).to_have_text("Stored once.")
    assert fake.request_count == 1  # the retry was answered from memory
    first, retried = sent
    assert first["idempotency_key"] == retried["idempotency_key"] and retried["session_id"] is None
    session_id = stored_session(page)
    history = httpx.get(f"{app_url}/conversation/{session_id}", timeout=10).json()["messages"]
    assert [m["content"] for m in history] == ["Will you remember?", "Stored once."]
