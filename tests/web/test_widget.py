"""The one-tag widget, embedded in pages on other origins: CORS, options, isolation, small screens."""

from __future__ import annotations

import gzip
import re

from playwright.sync_api import Page, expect

from tests.support.fake_openai import FakeOpenAI
from tests.web.conftest import WEB_DIST, HostSite, run_axe

HOSTILE_STYLES = """
  * { color: rgb(255, 0, 0) !important; font-family: serif !important; }
  button, textarea { display: none !important; background: rgb(255, 0, 0) !important; }
  .tw-msg { background: rgb(0, 255, 0); }
"""


def embed(site: HostSite, app_url: str, name: str, attrs: str, styles: str = HOSTILE_STYLES) -> str:
    return site.page(
        name,
        f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Owner's site</title><style>{styles}</style></head>
<body><main><h1>Owner's site</h1>
<p class="tw-msg tw-user" id="probe">A paragraph with the widget's own class names.</p></main>
<script src="{app_url}/widget.js" data-api="{app_url}" {attrs} async></script>
</body></html>""",
    )


def test_widget_on_an_allowed_origin_chats_through_cors(
    page: Page, app_url: str, sites: tuple[HostSite, HostSite], fake: FakeOpenAI
) -> None:
    allowed, _ = sites
    fake.reply("Hello from ", "the widget.", delay=0.1)
    url = embed(
        allowed,
        app_url,
        "open.html",
        'data-title="Ask Freja" data-accent="#0f766e" data-position="left" data-open="true" '
        'data-greeting="Welcome to my site!"',
    )
    page.goto(url)
    panel = page.get_by_role("dialog", name="Ask Freja")
    expect(panel).to_be_visible()  # data-open
    expect(panel.locator(".tw-bot .tw-body").first).to_have_text("Welcome to my site!")  # data-greeting
    expect(panel.get_by_label("Your message")).to_be_focused()
    panel.get_by_label("Your message").fill("Who are you?")
    panel.get_by_label("Your message").press("Enter")
    expect(panel.locator(".tw-bot .tw-body").last).to_have_text("Hello from the widget.")
    assert fake.request_count == 1

    box = panel.bounding_box()
    assert box is not None and box["x"] < 100  # data-position="left"
    send_colour = panel.get_by_role("button", name="Send").evaluate(
        "b => getComputedStyle(b).backgroundColor"
    )
    assert send_colour == "rgb(15, 118, 110)"  # data-accent, untouched by the host's button rule
    text_colour = panel.locator(".tw-bot .tw-body").last.evaluate("e => getComputedStyle(e).color")
    assert text_colour != "rgb(255, 0, 0)"  # the host's inherited styles do not leak in
    probe = page.locator("#probe").evaluate(
        "e => [getComputedStyle(e).whiteSpace, getComputedStyle(e).borderBottomRightRadius]"
    )
    assert probe == ["normal", "0px"]  # and the widget's styles do not leak out


def test_widget_on_a_disallowed_origin_is_refused(
    page: Page, app_url: str, sites: tuple[HostSite, HostSite], fake: FakeOpenAI
) -> None:
    _, refused = sites
    page.goto(embed(refused, app_url, "open.html", 'data-title="Ask Freja" data-open="true"'))
    panel = page.get_by_role("dialog", name="Ask Freja")
    expect(panel.locator(".tw-notice-text")).to_have_text(
        "The twin's server can't be reached. Check your connection and try again."
    )
    expect(panel.get_by_role("heading")).to_have_text("Ask Freja")
    expect(panel.get_by_role("button", name="Send")).to_be_disabled()
    assert fake.request_count == 0


def test_widget_launcher_opens_and_escape_closes_with_focus_returned(
    page: Page, app_url: str, sites: tuple[HostSite, HostSite]
) -> None:
    allowed, _ = sites
    page.goto(embed(allowed, app_url, "closed.html", 'data-title="Talk to my twin"'))
    launcher = page.get_by_role("button", name="Talk to my twin")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("dialog")).to_be_hidden()
    launcher.focus()
    page.keyboard.press("Enter")
    panel = page.get_by_role("dialog", name="Talk to my twin")
    expect(panel.get_by_role("heading")).to_have_text("Freja Holmqvist")
    expect(panel.get_by_label("Your message")).to_be_focused()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")


def test_widget_opens_full_screen_on_a_small_screen(
    page: Page, app_url: str, sites: tuple[HostSite, HostSite]
) -> None:
    allowed, _ = sites
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(embed(allowed, app_url, "open-small.html", 'data-title="Ask Freja" data-open="true"'))
    panel = page.get_by_role("dialog", name="Ask Freja")
    expect(panel.get_by_role("heading")).to_have_text("Freja Holmqvist")
    assert panel.bounding_box() == {"x": 0, "y": 0, "width": 360, "height": 740}
    expect(panel).to_have_attribute("aria-modal", "true")
    expect(panel.get_by_label("Your message")).to_be_focused()
    inside = (
        "() => document.querySelector('twin-chat-widget').shadowRoot"
        ".activeElement?.closest('.tw-panel') != null"
    )
    for key in ["Tab"] * 8 + ["Shift+Tab"] * 8:  # focus cycles inside the full-screen panel
        page.keyboard.press(key)
        assert page.evaluate(inside), key
    close = panel.get_by_role("button", name="Close chat")
    close.click()
    expect(panel).to_be_hidden()


def test_open_widget_has_no_serious_accessibility_violations(
    page: Page, app_url: str, sites: tuple[HostSite, HostSite], fake: FakeOpenAI
) -> None:
    allowed, _ = sites
    fake.reply("A **short** reply with a [link](https://freja.example/).")
    page.goto(embed(allowed, app_url, "plain.html", 'data-title="Ask Freja" data-open="true"', styles=""))
    panel = page.get_by_role("dialog", name="Ask Freja")
    panel.get_by_label("Your message").fill("Hi")
    panel.get_by_label("Your message").press("Enter")
    expect(panel.locator(".tw-bot .tw-body").last).to_contain_text("A short reply")
    expect(panel.locator(".tw")).not_to_have_class(re.compile(r"\btw-busy\b"))
    assert run_axe(page) == []
    page.emulate_media(color_scheme="dark")
    assert run_axe(page) == []


def test_widget_without_data_api_finds_the_api_from_its_runtime_config(
    page: Page, app_url: str, sites: tuple[HostSite, HostSite], fake: FakeOpenAI
) -> None:
    allowed, _ = sites
    fake.reply("Found you.")
    page.goto(
        allowed.page(
            "no-api.html",
            f'<!doctype html><html lang="en"><title>Owner</title><body><h1>Owner</h1>'
            f'<script src="{app_url}/widget.js" data-title="Ask Freja" data-open="true"></script>',
        )
    )
    panel = page.get_by_role("dialog", name="Ask Freja")
    panel.get_by_label("Your message").fill("Where is the API?")
    panel.get_by_label("Your message").press("Enter")
    expect(panel.locator(".tw-bot .tw-body").last).to_have_text("Found you.")


def test_a_closed_widget_asks_the_server_nothing_until_it_is_opened(
    page: Page, app_url: str, sites: tuple[HostSite, HostSite]
) -> None:
    """Every view of the host page would otherwise tell the twin's server the visitor's address."""
    allowed, _ = sites
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(
        allowed.page(
            "closed.html",
            f'<!doctype html><html lang="en"><title>Owner</title><body><h1>Owner</h1>'
            f'<script src="{app_url}/widget.js" data-title="Ask Freja"></script>',
        )
    )
    launcher = page.get_by_role("button", name="Ask Freja")
    expect(launcher).to_be_visible()
    page.wait_for_timeout(300)
    assert [url for url in asked if url.startswith(app_url)] == [f"{app_url}/widget.js"]
    with page.expect_request(f"{app_url}/config.json"):
        launcher.click()
    expect(page.get_by_role("dialog", name="Ask Freja")).to_be_visible()


def test_static_build_on_another_origin_uses_the_api_url_from_config_json(
    page: Page, bucket_url: str, fake: FakeOpenAI
) -> None:
    fake.reply("Served from ", "the bucket.")
    page.goto(f"{bucket_url}/index.html")
    expect(page.get_by_role("heading", level=1)).to_have_text("Freja Holmqvist")
    page.get_by_label("Your message").fill("Where am I?")
    page.get_by_label("Your message").press("Enter")
    expect(page.locator(".tw-bot .tw-body").last).to_have_text("Served from the bucket.")


def test_widget_script_is_within_its_40_kb_gzipped_budget() -> None:
    size = len(gzip.compress((WEB_DIST / "widget.js").read_bytes(), compresslevel=9))
    assert size <= 40 * 1024, f"widget.js is {size} bytes gzipped"
