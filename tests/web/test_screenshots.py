"""Screenshots for the README: the page on desktop and mobile, light and dark, and the open widget.

They are taken from the real app in chromium on every run, so they always show the current UI.
"""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

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
