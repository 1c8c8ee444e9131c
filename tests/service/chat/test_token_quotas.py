"""Per-IP and per-conversation token quotas: one visitor can no longer spend the owner's day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from memory import Message, ReplyTokens, file_memory
from service.app import create_app
from service.chat.budget import COLLECTION
from service.chat.quotas import TokenQuotas, session_wait
from service.errors import RateLimited
from service.settings import LimitSettings, Settings
from tests.support.fake_openai import FakeOpenAI
from tests.support.settings import on_fake_model

Client = TestClient[Any]


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def on_model(settings: Settings, fake: FakeOpenAI, **env: Any) -> Client:
    return TestClient(app=create_app(on_fake_model(settings, fake.base_url, **env)))


async def test_one_ip_at_the_rate_limit_with_long_messages_stays_under_two_percent_a_minute(
    settings: Settings, fake: FakeOpenAI
) -> None:
    """The finding: one IP, two sessions, 4,000-character messages at the per-IP rate limit used 13%
    of the default daily budget in one minute. Now at most the per-IP quota is spent."""
    defaults = Settings().limits
    fake.set_default("Noted.")
    long = "Tell me everything about your work. " * 111  # 3,996 characters
    statuses = []
    with on_model(settings, fake) as client:
        sessions = [client.post("/chat", json={"message": long}).json().get("session_id") for _ in range(2)]
        for n in range(defaults.rate_limit_per_minute - 2):
            body = {"message": long, "session_id": sessions[n % 2]} if all(sessions) else {"message": long}
            statuses.append(client.post("/chat", json=body).status_code)
    day = await file_memory(settings.storage.memory_dir).records.get(
        COLLECTION, f"day-{datetime.now(UTC):%Y-%m-%d}"
    )
    assert day is not None
    spent = day.value["tokens"]
    assert 429 in statuses
    assert spent <= defaults.ip_tokens_per_minute + 8_000  # the quota, plus the one turn it let through
    assert spent < 0.02 * defaults.daily_token_budget
    assert defaults.ip_tokens_per_minute <= 0.012 * defaults.daily_token_budget  # well under 2%
    assert defaults.ip_tokens_per_day <= 0.06 * defaults.daily_token_budget


def test_a_long_messages_real_cost_is_counted_before_the_model_is_called(
    settings: Settings, fake: FakeOpenAI
) -> None:
    """4,000 emoji are 8,000 tokens, not the 1,000 that characters / 4 makes of them."""
    fake.set_default("Noted.")
    with on_model(settings, fake, TWIN_TOKENS_PER_IP_PER_MINUTE=9_000) as client:
        assert client.post("/chat", json={"message": "Hi"}).status_code == 200
        calls = fake.request_count
        plain = client.post("/chat", json={"message": "word " * 800})  # about 800 tokens
        emoji = client.post("/chat", json={"message": "\U0001f600" * 4000})
    assert plain.status_code == 200
    assert emoji.status_code == 429 and fake.request_count == calls + 1  # refused before any model call
    assert "model tokens used from your address this minute" in emoji.json()["detail"]
    assert 1 <= int(emoji.headers["retry-after"]) <= 60


def test_a_conversations_daily_quota_holds_across_processes(settings: Settings, fake: FakeOpenAI) -> None:
    """Read from the usage stored with the replies, so a second process (or Lambda container) that
    never saw the first turns refuses as well."""
    fake.set_default("Noted.")
    env = {"TWIN_TOKENS_PER_SESSION_PER_DAY": 8_000, "TWIN_TOKENS_PER_IP_PER_MINUTE": 0}
    with on_model(settings, fake, **env) as first:
        session_id = first.post("/chat", json={"message": "Hi"}).json()["session_id"]
        assert first.post("/chat", json={"message": "And?", "session_id": session_id}).status_code == 200
    with on_model(settings, fake, **env) as second:
        refused = second.post("/chat/stream", json={"message": "More?", "session_id": session_id})
        fresh = second.post("/chat", json={"message": "Hi"})
    assert refused.status_code == 429
    assert "in this conversation today" in refused.json()["detail"]
    assert fresh.status_code == 200  # a new conversation is not refused for the old one


def test_retries_offline_answers_and_the_owners_own_chats_are_not_metered(
    settings: Settings, fake: FakeOpenAI
) -> None:
    fake.set_default("Noted.")
    body = {"message": "Where do you work?", "idempotency_key": "k" * 20}
    with on_model(settings, fake, TWIN_TOKENS_PER_IP_PER_MINUTE=1) as client:
        first = client.post("/chat", json=body)
        again = client.post("/chat", json=body)  # a retry is answered from memory: free
    assert first.status_code == again.status_code == 200
    with TestClient(app=create_app(settings)) as offline:  # the offline provider spends nothing
        assert all(offline.post("/chat", json={"message": "Hi"}).status_code == 200 for _ in range(5))


def test_ip_windows_refuse_until_enough_tokens_leave_them() -> None:
    now = [0.0]
    limits = LimitSettings(ip_tokens_per_minute=1000, ip_tokens_per_day=1500, session_tokens_per_day=0)
    quotas = TokenQuotas(limits, clock=lambda: now[0])
    moment = datetime(2026, 12, 1, tzinfo=UTC)
    quotas.check("198.51.100.1", (), 5000, moment)  # anything fits an empty window
    quotas.charge("198.51.100.1", 600)
    quotas.check("198.51.100.2", (), 900, moment)  # another address has its own windows
    with pytest.raises(RateLimited, match="this minute; try again in 60 seconds"):
        quotas.check("198.51.100.1", (), 500, moment)
    now[0] = 61.0
    quotas.check("198.51.100.1", (), 500, moment)
    quotas.charge("198.51.100.1", 800)
    now[0] = 200.0
    with pytest.raises(RateLimited, match="today; try again in 3600 seconds"):
        quotas.check("198.51.100.1", (), 500, moment)


def test_a_conversations_use_is_what_its_last_days_replies_record() -> None:
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)

    def reply(hours_ago: float, tokens: int) -> Message:
        usage = ReplyTokens(prompt_tokens=tokens)
        return Message(role="assistant", content="a", timestamp=now - timedelta(hours=hours_ago), usage=usage)

    history = (reply(30, 9_000), reply(20, 3_000), reply(1, 1_000))
    assert session_wait(history, 500, 5_000, now) is None  # the 30-hour-old reply no longer counts
    assert session_wait(history, 2_000, 5_000, now) == 4 * 3600  # when the 20-hour-old one leaves
    assert session_wait((), 99_999, 5_000, now) is None
    assert session_wait(history, 99_999, 0, now) is None  # 0 turns the quota off
