"""Owner notifications are not a spam or markup channel: bounded per turn, conversation, IP and hour
(everything still recorded, the rest summed up in a digest), and no visitor can ping a channel,
plant a masked link or forge a line."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from litestar.testing import TestClient

from memory import RecordStore, Store, file_memory
from service.app import create_app
from service.owner.loop import OwnerLoop
from service.owner.notify import Notifier, WebhookChannel, send_digests, webhook_platform
from service.owner.throttle import HOURS, PER_TURN, TOOL_CALLS_PER_TURN, NotifyThrottle, Visit
from service.providers import ProviderRequest, StreamItem, ToolCall, Usage
from service.settings import NotifySettings, Settings
from tests.support.settings import tweak
from tests.support.webhook import WebhookReceiver, notifying

HOSTILE_NAME = (
    "@everyone <!here> <!channel> <@U024BE7LH> [click here](https://evil.example)\nEmail: boss@corp"
)
NOON = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)


def test_a_burst_from_one_ip_is_recorded_in_full_and_notified_a_few_times(
    settings: Settings, receiver: WebhookReceiver
) -> None:
    """The finding: 40 messages in 4 s from one IP, within the default rate limits, gave 20 webhook
    notifications (about 1,200 an hour)."""
    notifying_settings = tweak(settings, TWIN_NOTIFY_WEBHOOK_URL=receiver.url)
    with TestClient(app=create_app(notifying_settings)) as client:
        answered = [
            client.post("/chat", json={"message": f"Please have Freja write to visitor{n}@example.com"})
            for n in range(40)
        ]
    accepted = sum(r.status_code == 200 for r in answered)
    assert accepted == Settings().limits.rate_limit_per_minute  # the rate limit let 20 through
    owner = OwnerLoop(file_memory(settings.storage.memory_dir).records)
    assert len(asyncio.run(owner.contacts())) == accepted  # every contact is kept
    assert len(receiver.bodies) == Settings().notify.per_ip_per_hour  # 3 notifications, not 20
    [hour] = asyncio.run(owner.records.items(HOURS)).values()
    assert hour.value == {"sent": 3, "held": {"contact": accepted - 3}}


class ManyToolCalls:
    """A model talked into calling record_contact 26 times in one reply."""

    name, model, offline = "stub", "stub-model", False

    async def stream(self, request: ProviderRequest) -> AsyncIterator[StreamItem]:
        if not request.rounds:
            for n in range(26):
                email = json.dumps({"email": f"spam{n}@example.com", "name": HOSTILE_NAME})
                yield ToolCall(id=f"call_{n}", name="record_contact", arguments=email)
        else:
            yield "Thanks, I passed that on."
        yield Usage(prompt_tokens=10, completion_tokens=5)

    async def close(self) -> None:
        pass


async def test_a_reply_with_26_tool_calls_runs_a_few_and_notifies_at_most_twice(
    settings: Settings, backend: Store, records: RecordStore, receiver: WebhookReceiver
) -> None:
    twin = notifying(settings, backend, receiver.url)
    turn = await twin.engine.begin("Add all my colleagues", None)
    turn.provider = ManyToolCalls()
    assert "".join([d async for d in turn.deltas()]) == "Thanks, I passed that on."
    await twin.background.drain()
    assert len(await twin.owner.contacts()) == TOOL_CALLS_PER_TURN == 4
    assert len(receiver.bodies) == PER_TURN == 2
    [hour] = (await records.items(HOURS)).values()
    assert hour.value == {"sent": 2, "held": {"contact": 2}}
    # The model learns that the rest were not run.
    stored = await twin.memory.conversations.load(turn.session_id)
    assert stored is not None and turn.tools_used.count("record_contact") == 26


async def test_notification_text_pings_nobody_and_forges_no_line(
    settings: Settings, backend: Store, receiver: WebhookReceiver
) -> None:
    twin = notifying(settings, backend, receiver.url)
    turn = await twin.engine.begin("Contact me", None)
    turn.provider = OneContact(HOSTILE_NAME, note="line one\r\nTitle: forged\x1b]0;x\x07")
    _ = [d async for d in turn.deltas()]
    await twin.background.drain()
    [body] = receiver.bodies
    text = body["text"]
    prefixes = ["twin: a visitor", "Email: ", "Name: ", "Note: ", "Conversation: "]
    assert [line[: len(p)] for line, p in zip(text.splitlines(), prefixes, strict=True)] == prefixes
    name = next(line for line in text.splitlines() if line.startswith("Name: "))
    assert "@everyone" not in name.replace("\u200b", "X") and "@\u200beveryone" in name
    assert "<!" not in text and "<@" not in text and "](" not in text
    assert "\x1b" not in text and "\\x1b]0;x\\x07" in text
    assert "Title: forged" not in text.splitlines()[3:] and "line one Title: forged" in text


class OneContact(ManyToolCalls):
    def __init__(self, name: str, note: str) -> None:
        self.arguments = json.dumps({"email": "ada@example.com", "name": name, "note": note})

    async def stream(self, request: ProviderRequest) -> AsyncIterator[StreamItem]:
        if not request.rounds:
            yield ToolCall(id="call_1", name="record_contact", arguments=self.arguments)
        else:
            yield "Done."
        yield Usage(prompt_tokens=1)


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("https://hooks.slack.com/services/T000/B000/XXXX", "slack"),
        ("https://discord.com/api/webhooks/1/abc", "discord"),
        ("https://ptb.discordapp.com/api/webhooks/1/abc", "discord"),
        ("https://discordapp.com/api/v10/webhooks/1/abc", "discord"),
        ("https://discord.com/API/webhooks/1/abc", "discord"),
        ("https://HOOKS.SLACK.COM./services/T000/B000/XXXX", "slack"),
        ("https://discord.com.evil.example/api/webhooks/1/abc", None),
        ("https://hooks.slack.com.evil.example/services/x", None),
        ("https://ntfy.example/twin", None),
    ],
)
def test_slack_and_discord_are_told_to_ping_nobody(url: str, platform: str | None, tmp_path: Path) -> None:
    assert webhook_platform(url) == platform
    channel = WebhookChannel(url, 1.0)
    notification = Notifier(file_memory(tmp_path).records, [channel]).new(
        "contact", "twin: a visitor", "Name: Tom & Jerry <3"
    )
    body = channel.body(notification)
    if platform == "slack":
        assert body["parse"] == "none" and body["link_names"] is False and body["unfurl_links"] is False
        assert body["text"] == "twin: a visitor\nName: Tom &amp; Jerry &lt;3"
    elif platform == "discord":
        assert body["allowed_mentions"] == {"parse": []}
        assert body["content"] == "twin: a visitor\nName: Tom & Jerry <3"
    else:
        assert "allowed_mentions" not in body and "parse" not in body
    assert body["message"] == "Name: Tom & Jerry <3"


async def test_the_hourly_bound_holds_across_processes_and_the_rest_make_one_digest(
    records: RecordStore, receiver: WebhookReceiver
) -> None:
    now = [NOON]
    settings = NotifySettings(per_hour=3, per_session=0, per_ip_per_hour=0)
    processes = [NotifyThrottle(records, settings, now=lambda: now[0]) for _ in range(2)]
    admitted = [
        await processes[n % 2].admit("question" if n % 3 else "contact", Visit(f"s{n:031d}", f"10.0.0.{n}"))
        for n in range(10)
    ]
    assert admitted.count(True) == 3
    notifier = Notifier(records, [WebhookChannel(receiver.url, 2.0)])
    assert await send_digests(notifier, processes[0]) == 0  # the hour is not over yet
    now[0] = NOON + timedelta(hours=1)
    assert await send_digests(notifier, processes[1]) == 1
    assert await send_digests(notifier, processes[0]) == 0  # claimed once, by one process
    [digest] = receiver.bodies
    assert digest["event"] == "digest"
    assert digest["message"].startswith(
        "7 more notifications were held back between 2026-12-01 12:00 and 13:00"
    )
    assert "3 new contacts, 4 new questions" in digest["message"]
    assert await records.keys(HOURS) == []


async def test_per_session_and_per_ip_bounds(records: RecordStore) -> None:
    settings = NotifySettings(per_hour=0, per_session=2, per_ip_per_hour=3)
    throttle = NotifyThrottle(records, settings, now=lambda: NOON)
    same_session = [await throttle.admit("contact", Visit("a" * 32, f"10.0.0.{n}")) for n in range(3)]
    same_ip = [await throttle.admit("contact", Visit(f"{n}" * 32, "10.9.9.9")) for n in range(1, 6)]
    assert same_session == [True, True, False]
    assert same_ip == [True, True, True, False, False]
    assert await throttle.admit("question", Visit("z" * 32)) is True  # the owner's own chats: no IP
