"""Thumbs up and down on the twin's replies, in the page and the widget, checked against what was stored."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from service.settings import Settings
from tests.support.fake_openai import FakeOpenAI
from tests.web.conftest import HostSite, run_axe, stored_votes
from tests.web.test_chat_page import ask, open_chat, replies, stored_session, wait_idle
from tests.web.test_widget import embed

# Every state of the latest reply: its text and whether it has thumbs, e.g. "I run the |0".
RECORD_REPLY_AND_THUMBS = """
window.__snapshots = [];
new MutationObserver(() => {
  const replies = document.querySelectorAll(".tw-bot");
  const last = replies[replies.length - 1];
  if (!last) return;
  const text = last.querySelector(".tw-body").textContent.trim();
  const state = `${text}|${last.querySelectorAll(".tw-thumb").length}`;
  if (window.__snapshots[window.__snapshots.length - 1] !== state) window.__snapshots.push(state);
}).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
"""


def rating(scope: Page | Locator, reply: int) -> Locator:
    """The thumbs of the `reply`-th bot message on screen (0 is the greeting)."""
    return scope.locator(".tw-bot").nth(reply)


def vote(page: Page, thumbs: Locator, name: str) -> dict[str, Any]:
    """Click a thumb and wait for the app's answer; returns the body the browser posted."""
    with page.expect_response("**/feedback") as response:
        thumbs.get_by_role("button", name=name).click()
    assert response.value.status == 201, response.value.text()
    body: dict[str, Any] = json.loads(response.value.request.post_data or "{}")
    return body


def pressed(thumbs: Locator) -> list[str]:
    return [
        button.get_attribute("aria-label") or ""
        for button in thumbs.locator(".tw-thumb").all()
        if button.get_attribute("aria-pressed") == "true"
    ]


def chat_once(page: Page, app_url: str, card: dict[str, Any], fake: FakeOpenAI, answer: str) -> str:
    """Open the page, ask one question, wait for the answer; returns the session id."""
    fake.reply(answer)
    open_chat(page, app_url, card)
    ask(page, "A question")
    expect(replies(page).last).to_have_text(answer)
    wait_idle(page)
    session_id = stored_session(page)
    assert session_id
    return session_id


def test_thumbs_appear_on_a_reply_only_once_it_has_finished(
    page: Page, app_url: str, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    fake.reply("I run the ", "platform team ", "at Corvina Pay.", delay=0.25)
    page.add_init_script(RECORD_REPLY_AND_THUMBS)
    open_chat(page, app_url, card)
    ask(page, "What do you do?")
    final = "I run the platform team at Corvina Pay."
    expect(replies(page).last).to_have_text(final)
    thumbs = rating(page, 1).get_by_role("group", name="Rate this reply")
    expect(thumbs.get_by_role("button", name="Good reply")).to_have_attribute("aria-pressed", "false")
    expect(thumbs.get_by_role("button", name="Bad reply")).to_have_attribute("aria-pressed", "false")
    expect(rating(page, 0).locator(".tw-thumb")).to_have_count(0)  # not on the greeting
    snapshots: list[str] = page.evaluate("window.__snapshots")
    without = [s.removesuffix("|0") for s in snapshots if s.endswith("|0")]
    assert any(text and text != final and final.startswith(text) for text in without), snapshots  # streaming
    with_thumbs = [s for s in snapshots if not s.endswith("|0")]
    assert with_thumbs and all(s == f"{final}|2" for s in with_thumbs), snapshots


def test_a_reply_that_failed_gets_no_thumbs(
    page: Page, app_url: str, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    fake.fail(500)
    open_chat(page, app_url, card)
    ask(page, "Are you there?")
    expect(page.locator(".tw-notice")).to_contain_text("The twin can't answer right now.")
    expect(page.locator(".tw-thumb")).to_have_count(0)


def test_thumbs_up_is_stored_and_thumbs_down_replaces_it(
    page: Page, app_url: str, app_settings: Settings, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    session_id = chat_once(page, app_url, card, fake, "I lead the platform team.")
    thumbs = rating(page, 1)
    assert vote(page, thumbs, "Good reply") == {"session_id": session_id, "reply": 1, "rating": "up"}
    assert pressed(thumbs) == ["Good reply"]
    assert stored_votes(app_settings, session_id) == {1: ("up", "")}
    expect(thumbs.get_by_label("What was wrong? (optional)")).to_be_hidden()

    vote(page, thumbs, "Bad reply")
    assert pressed(thumbs) == ["Bad reply"]
    assert stored_votes(app_settings, session_id) == {1: ("down", "")}
    expect(thumbs.get_by_label("What was wrong? (optional)")).to_be_visible()


def test_a_comment_after_thumbs_down_is_sent_with_the_rating(
    page: Page, app_url: str, app_settings: Settings, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    session_id = chat_once(page, app_url, card, fake, "I have never worked anywhere.")
    thumbs = rating(page, 1)
    vote(page, thumbs, "Bad reply")
    why = thumbs.get_by_label("What was wrong? (optional)")
    why.fill("  You worked at Corvina Pay.  ")
    with page.expect_response("**/feedback") as response:
        why.press("Enter")
    assert response.value.status == 201
    assert json.loads(response.value.request.post_data or "{}")["comment"] == "You worked at Corvina Pay."
    assert stored_votes(app_settings, session_id) == {1: ("down", "You worked at Corvina Pay.")}
    expect(why).to_be_hidden()
    expect(thumbs.locator(".tw-rate-note")).to_have_text("Thanks for the feedback.")
    assert pressed(thumbs) == ["Bad reply"]


def test_restored_replies_are_rated_with_their_number_in_the_session(
    page: Page, app_url: str, app_settings: Settings, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    fake.reply("First answer.").reply("Second answer.").reply("Third answer.")
    open_chat(page, app_url, card)
    for question, answer in [("First question", "First answer."), ("Second question", "Second answer.")]:
        ask(page, question)
        expect(replies(page).last).to_have_text(answer)
        wait_idle(page)
    session_id = stored_session(page)
    assert session_id

    page.reload()
    expect(replies(page)).to_have_text([card["greeting"], "First answer.", "Second answer."])
    assert vote(page, rating(page, 2), "Good reply")["reply"] == 2
    assert vote(page, rating(page, 1), "Bad reply")["reply"] == 1
    ask(page, "Third question")
    expect(replies(page).last).to_have_text("Third answer.")
    assert vote(page, rating(page, 3), "Good reply")["reply"] == 3
    assert stored_votes(app_settings, session_id) == {1: ("down", ""), 2: ("up", ""), 3: ("up", "")}


def test_while_the_history_cannot_be_loaded_new_replies_are_rated_under_the_servers_number(
    page: Page, app_url: str, app_settings: Settings, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    session_id = chat_once(page, app_url, card, fake, "First answer.")
    failures: list[str] = []

    def down_once(route: Route) -> None:
        if route.request.method == "GET" and not failures:
            failures.append(route.request.url)
            route.fulfill(status=503, headers={"Content-Type": "application/json"}, body="{}")
        else:
            route.fallback()

    page.route("**/conversation/*", down_once)
    page.reload()
    expect(page.locator(".tw-notice")).to_contain_text("Your earlier conversation could not be loaded.")
    fake.reply("Second answer.")
    ask(page, "Second question")
    expect(replies(page).last).to_have_text("Second answer.")
    wait_idle(page)
    # The page could not count the earlier replies, but the server numbers each one it sends.
    assert vote(page, rating(page, 1), "Good reply")["reply"] == 2
    assert stored_votes(app_settings, session_id) == {2: ("up", "")}

    page.reload()  # the history loads this time, and with it every reply's number
    expect(replies(page)).to_have_text([card["greeting"], "First answer.", "Second answer."])
    assert vote(page, rating(page, 1), "Bad reply")["reply"] == 1
    assert stored_votes(app_settings, session_id) == {1: ("down", ""), 2: ("up", "")}


@pytest.mark.parametrize(
    ("status", "headers", "notice"),
    [
        (500, {}, "Your rating couldn't be sent. Please try again."),
        (429, {"Retry-After": "7"}, "Your rating wasn't sent: too many at once. Try again in 7 s."),
    ],
)
def test_a_rating_that_fails_is_unpressed_with_a_notice_and_the_chat_goes_on(
    page: Page,
    app_url: str,
    app_settings: Settings,
    card: dict[str, Any],
    fake: FakeOpenAI,
    status: int,
    headers: dict[str, str],
    notice: str,
) -> None:
    def refuse(route: Route) -> None:
        route.fulfill(
            status=status,
            headers={"Content-Type": "application/json", **headers},
            body=json.dumps({"status_code": status, "detail": "no"}),
        )

    page.route("**/feedback", refuse)
    session_id = chat_once(page, app_url, card, fake, "Rate me.")
    thumbs = rating(page, 1)
    thumbs.get_by_role("button", name="Good reply").click()
    expect(thumbs.locator(".tw-rate-note")).to_have_text(notice)
    assert pressed(thumbs) == []
    expect(page.locator(".tw-notice")).to_be_hidden()  # the chat's own notice stays free
    assert stored_votes(app_settings, session_id) == {}

    page.unroute("**/feedback")
    fake.reply("Still here.")
    ask(page, "Still there?")
    expect(replies(page).last).to_have_text("Still here.")
    vote(page, thumbs, "Good reply")
    expect(thumbs.locator(".tw-rate-note")).to_have_text("")
    assert stored_votes(app_settings, session_id) == {1: ("up", "")}


def test_a_change_of_vote_that_fails_shows_the_vote_that_was_kept(
    page: Page, app_url: str, app_settings: Settings, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    session_id = chat_once(page, app_url, card, fake, "Rate me twice.")
    thumbs = rating(page, 1)
    vote(page, thumbs, "Good reply")
    page.route("**/feedback", lambda route: route.abort("connectionrefused"))
    thumbs.get_by_role("button", name="Bad reply").click()
    expect(thumbs.locator(".tw-rate-note")).to_have_text("Your rating couldn't be sent. Please try again.")
    assert pressed(thumbs) == ["Good reply"]
    expect(thumbs.get_by_label("What was wrong? (optional)")).to_be_hidden()
    assert stored_votes(app_settings, session_id) == {1: ("up", "")}


def test_thumbs_and_comment_work_from_the_keyboard_with_visible_focus(
    page: Page, app_url: str, app_settings: Settings, card: dict[str, Any], fake: FakeOpenAI
) -> None:
    session_id = chat_once(page, app_url, card, fake, "Keyboard answer.")
    expect(page.get_by_label("Your message")).to_be_focused()
    page.keyboard.press("Shift+Tab")  # from the message box back to the last reply's thumbs
    bad = page.get_by_role("button", name="Bad reply")
    expect(bad).to_be_focused()
    assert bad.evaluate("b => getComputedStyle(b).outlineStyle") == "solid"
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("button", name="Good reply")).to_be_focused()
    with page.expect_response("**/feedback"):
        page.keyboard.press("Space")
    assert stored_votes(app_settings, session_id) == {1: ("up", "")}
    page.keyboard.press("Tab")
    with page.expect_response("**/feedback"):
        page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("What was wrong? (optional)")).to_be_focused()
    page.keyboard.type("Too short.")
    with page.expect_response("**/feedback"):
        page.keyboard.press("Enter")
    assert stored_votes(app_settings, session_id) == {1: ("down", "Too short.")}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_thumbs_and_comment_field_pass_the_accessibility_audit(
    audit_page: Page, app_url: str, card: dict[str, Any], fake: FakeOpenAI, scheme: str
) -> None:
    page = audit_page
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    fake.reply("One reply.").reply("Another reply.")
    open_chat(page, app_url, card)
    for question in ("One", "Two"):
        ask(page, question)
        wait_idle(page)
    expect(page.locator(".tw-bot .tw-rate")).to_have_count(2)
    vote(page, rating(page, 1), "Good reply")
    vote(page, rating(page, 2), "Bad reply")
    expect(rating(page, 2).get_by_label("What was wrong? (optional)")).to_be_visible()
    assert run_axe(page) == []


def test_widget_replies_can_be_rated_from_another_origin(
    page: Page, app_url: str, app_settings: Settings, sites: tuple[HostSite, HostSite], fake: FakeOpenAI
) -> None:
    allowed, _ = sites
    fake.reply("Rated in the widget.")
    page.goto(embed(allowed, app_url, "rate.html", 'data-title="Ask Freja" data-open="true"', styles=""))
    panel = page.get_by_role("dialog", name="Ask Freja")
    panel.get_by_label("Your message").fill("Hi")
    panel.get_by_label("Your message").press("Enter")
    expect(panel.locator(".tw-bot .tw-body").last).to_have_text("Rated in the widget.")
    expect(panel.locator(".tw")).not_to_have_class(re.compile(r"\btw-busy\b"))
    session_id = stored_session(page)
    assert session_id
    thumbs = rating(panel, 1)
    assert vote(page, thumbs, "Good reply")["reply"] == 1
    vote(page, thumbs, "Bad reply")
    why = thumbs.get_by_label("What was wrong? (optional)")
    why.fill("Wrong name.")
    with page.expect_response("**/feedback"):
        thumbs.get_by_role("button", name="Submit").click()
    assert stored_votes(app_settings, session_id) == {1: ("down", "Wrong name.")}
    assert pressed(thumbs) == ["Bad reply"]
    assert run_axe(page) == []
