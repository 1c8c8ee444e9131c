"""Screenshots for the README: the page on desktop and mobile, light and dark, and the open widget.

They are taken from the real app in chromium on every run, so they always show the current UI.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import REPO
from tests.support.fake_openai import FakeOpenAI
from tests.web.conftest import HostSite
from tests.web.test_widget import embed

SHOTS = REPO / "docs" / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 800}, "mobile": {"width": 360, "height": 740}}
REPLY = (
    "At Corvina Pay I lead the **platform team**:\n\n",
    "- a Kubernetes platform for 40 product teams\n",
    "- paved roads for CI/CD and observability\n\n",
    "More on [my site](https://freja.example/).",
)


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
        path = SHOTS / f"page-{size}-{scheme}.png"
        page.screenshot(path=path, animations="disabled", caret="hide")
        assert path.stat().st_size > 10_000
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
        path = SHOTS / f"widget-{size}-{scheme}.png"
        page.screenshot(path=path, animations="disabled", caret="hide")
        assert path.stat().st_size > 10_000
    finally:
        context.close()
