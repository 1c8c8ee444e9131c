"""Retry-After, read from an upstream or sent to a client, is always a sane number of seconds: an
upstream's `inf`, `nan`, huge or negative value never becomes a 500 or a cut stream."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.errors import RateLimited, retry_after
from service.providers.base import MAX_WAIT_SECONDS, ProviderRateLimited, wait_seconds
from service.settings import Settings
from tests.support.fake_openai import FakeOpenAI
from tests.support.settings import on_fake_model
from tests.support.sse import parse_sse


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.mark.parametrize(
    ("upstream", "sent"),
    [("inf", 5), ("-inf", 5), ("nan", 5), ("-30", 5), ("1e400", 5), ("1e12", MAX_WAIT_SECONDS), ("7.2", 8)],
)
def test_an_upstreams_retry_after_is_clamped_on_chat_and_on_the_stream(
    settings: Settings, fake: FakeOpenAI, upstream: str, sent: int
) -> None:
    with TestClient(app=create_app(on_fake_model(settings, fake.base_url))) as client:
        fake.fail(429, retry_after=upstream)
        plain = client.post("/chat", json={"message": "Where do you work?"})
        fake.fail(429, retry_after=upstream)
        streamed = client.post("/chat/stream", json={"message": "Where do you work?"})
    assert plain.status_code == 503, plain.text
    assert plain.headers["retry-after"] == str(sent)
    events = parse_sse(streamed.text)
    assert [name for name, _ in events] == ["session", "error"]
    assert events[-1][1]["retry_after"] == sent


@pytest.mark.parametrize("value", [None, "", "soon", "Wed, 21 Oct 2015 07:28:00 GMT", "inf", "nan", "-1"])
def test_meaningless_waits_read_as_unknown(value: str | None) -> None:
    assert wait_seconds(value) is None
    assert ProviderRateLimited("busy", wait_seconds(value)).retry_after is None


def test_waits_sent_are_whole_seconds_between_one_and_the_ceiling() -> None:
    assert wait_seconds("1e12") == MAX_WAIT_SECONDS
    assert retry_after(ProviderRateLimited("busy", 0.2)) == 1
    assert retry_after(RateLimited("messages", 10**9)) == MAX_WAIT_SECONDS
    assert retry_after(RateLimited("messages", -3)) == 1
    assert "try again in 3600 seconds" in str(RateLimited("messages", float("inf")))
