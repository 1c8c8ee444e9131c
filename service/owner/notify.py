"""Telling the owner at once about a new contact or question: a JSON webhook and/or an SNS topic.

Delivery never slows or fails a visitor's turn. A notification is first written to an outbox in the
records store (`notifications/<id>`), then sent in the background with a timeout per channel; it
leaves the outbox when every channel took it. What failed stays there, is logged (without the
visitor's email) and is retried on a later turn or by `twin notify retry`. Each channel is tried
until it succeeds once, so a retry does not repeat a message a channel already accepted.

What a visitor wrote is hostile here too: each visitor-supplied field is one line without mentions
or chat markup (`service.owner.safe_text`), a Slack webhook gets Slack's escaping and no link or
name parsing, a Discord webhook `allowed_mentions: {"parse": []}`. How many notifications go out at
all is bounded per turn, conversation, client IP and hour (`service.owner.throttle`); the rest are
summed up in a digest once the hour is over.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

import anyio
import anyio.to_thread
import msgspec

from memory import RecordStore, StoreError
from memory.model import utc_now
from memory.records import digest_key
from service.owner.contacts import Contact
from service.owner.loop import Question
from service.owner.safe_text import notification_field
from service.owner.throttle import NotifyThrottle, Visit, digest_text
from service.runtime.background import Background
from service.settings import NotifySettings

log = logging.getLogger("twin.notify")

OUTBOX = "notifications"

Kind = Literal["contact", "question", "digest"]


class Notification(msgspec.Struct, kw_only=True):
    """One message for the owner, and the channels that have not taken it yet."""

    id: str
    kind: Kind
    title: str
    text: str
    created: datetime
    pending: list[str] = msgspec.field(default_factory=list)
    attempts: int = 0
    #: The conversation it is about, so that erasing the conversation erases it while undelivered.
    session_id: str | None = None


class NotifyError(Exception):
    """A channel did not accept a notification; the message never contains the notification's text."""


class Channel(Protocol):
    name: str

    async def send(self, notification: Notification) -> None:
        """Deliver or raise NotifyError."""
        ...


#: Discord's webhook path, with or without an API version ("/api/v10/webhooks/...").
_DISCORD_HOOK = re.compile(r"/api/(?:v\d+/)?webhooks/", re.IGNORECASE)


def webhook_platform(url: str) -> Literal["slack", "discord"] | None:
    """Slack or Discord when the webhook URL is one of theirs, else None (a generic receiver)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")  # "HOOKS.SLACK.COM." is Slack too
    if host == "hooks.slack.com":
        return "slack"
    discord = host in ("discord.com", "discordapp.com") or host.endswith((".discord.com", ".discordapp.com"))
    return "discord" if discord and _DISCORD_HOOK.match(parts.path) else None


def slack_escaped(text: str) -> str:
    """Text Slack shows as written: its control sequences (`<!here>`, `<url|text>`) need `<`, `>`, `&`."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class WebhookChannel:
    """A JSON POST that Slack (`text`), Discord (`content`) and generic receivers understand; Slack and
    Discord are told to ping nobody and parse no names or links."""

    name = "webhook"

    def __init__(self, url: str, timeout_seconds: float) -> None:
        self.url = url
        self.timeout = timeout_seconds
        self.platform = webhook_platform(url)

    def body(self, notification: Notification) -> dict[str, Any]:
        message = f"{notification.title}\n{notification.text}"
        body: dict[str, Any] = {
            "text": message,
            "content": message,
            "title": notification.title,
            "message": notification.text,
            "event": notification.kind,
            "id": notification.id,
        }
        if self.platform == "slack":
            body |= {"text": slack_escaped(message), "parse": "none", "link_names": False}
            body |= {"unfurl_links": False, "unfurl_media": False}
        elif self.platform == "discord":
            body["allowed_mentions"] = {"parse": []}
        return body

    async def send(self, notification: Notification) -> None:
        import httpx  # here, not at the top: only an owner with a webhook needs it (cold starts are shorter)

        try:
            async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client:
                response = await client.post(self.url, json=self.body(notification))
        except httpx.HTTPError as exc:
            raise NotifyError(f"webhook unreachable ({type(exc).__name__})") from None
        if response.status_code >= 300:
            raise NotifyError(f"webhook answered HTTP {response.status_code}")


class SnsChannel:
    """Publish to an SNS topic (the Pulumi program subscribes the owner's email to it)."""

    name = "sns"

    def __init__(self, topic_arn: str, timeout_seconds: float, *, endpoint_url: str | None = None) -> None:
        import boto3
        from botocore.config import Config

        self.topic_arn = topic_arn
        region = topic_arn.split(":")[3] if topic_arn.count(":") >= 5 else None
        self._client = boto3.session.Session().client(
            "sns",
            region_name=region or None,
            endpoint_url=endpoint_url,
            config=Config(
                connect_timeout=timeout_seconds,
                read_timeout=timeout_seconds,
                retries={"mode": "standard", "total_max_attempts": 2},
            ),
        )

    async def send(self, notification: Notification) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        publish = functools.partial(
            self._client.publish,
            TopicArn=self.topic_arn,
            Subject=notification.title[:100],
            Message=notification.text,
        )
        try:
            await anyio.to_thread.run_sync(publish)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            raise NotifyError(f"SNS publish failed ({code})") from None
        except BotoCoreError as exc:
            raise NotifyError(f"SNS publish failed ({type(exc).__name__})") from None


class Notifier:
    """The outbox and the channels. `channels` empty means notifications are off."""

    def __init__(self, records: RecordStore, channels: list[Channel], timeout_seconds: float = 5.0) -> None:
        self.records = records
        self.channels = {channel.name: channel for channel in channels}
        self.timeout = timeout_seconds

    @classmethod
    def from_settings(cls, settings: NotifySettings, records: RecordStore) -> Notifier:
        channels: list[Channel] = []
        timeout = settings.timeout_seconds
        if settings.webhook_url:
            channels.append(WebhookChannel(settings.webhook_url, timeout))
        if settings.sns_topic_arn:
            channels.append(SnsChannel(settings.sns_topic_arn, timeout))
        return cls(records, channels, timeout)

    @property
    def enabled(self) -> bool:
        return bool(self.channels)

    def new(self, kind: Kind, title: str, text: str, session_id: str | None = None) -> Notification:
        now = utc_now()
        return Notification(
            id=digest_key(f"{kind}:{title}:{text}:{now.isoformat()}"),
            kind=kind,
            title=title,
            text=text,
            created=now,
            pending=sorted(self.channels),
            session_id=session_id,
        )

    async def enqueue(self, notification: Notification) -> bool:
        """Write the notification to the outbox. Returns: False if the store failed (logged)."""
        try:
            await self.records.put(OUTBOX, notification.id, msgspec.to_builtins(notification))
        except StoreError as exc:
            log.warning("notification %s not queued: %s", notification.id, type(exc).__name__)
            return False
        return True

    async def deliver(self, notification: Notification) -> bool | None:
        """Try every channel still pending that this process has; update or clear the outbox entry.
        Returns: whether each of those delivered it (None: this process has none of them).

        A channel this process does not have stays pending, and is no failure: the twin that queued
        it (the deployed one, or the owner's machine running `twin notify retry`) may have it.
        Retention prunes it.
        """
        left: list[str] = []
        tried = failed = False
        for name in notification.pending:
            channel = self.channels.get(name)
            if channel is None:
                left.append(name)
                continue
            tried = True
            try:
                with anyio.fail_after(self.timeout + 1):
                    await channel.send(notification)
            except (NotifyError, TimeoutError) as exc:
                log.warning(
                    "notification %s (%s) not delivered by %s: %s; will retry",
                    notification.id,
                    notification.kind,
                    name,
                    exc if isinstance(exc, NotifyError) else "timed out",
                )
                left.append(name)
                failed = True
            else:
                log.info("notification %s (%s) delivered by %s", notification.id, notification.kind, name)
        if not tried:
            return None
        try:
            if left:
                notification.pending = left
                notification.attempts += int(failed)
                await self.records.update(
                    OUTBOX, notification.id, lambda _: msgspec.to_builtins(notification)
                )
            else:
                await self.records.delete(OUTBOX, notification.id)
        except StoreError as exc:
            log.warning("notification outbox not updated: %s", type(exc).__name__)
        return not failed

    async def submit(self, notification: Notification) -> bool | None:
        """Queue then deliver (the whole of what a turn starts in the background)."""
        await self.enqueue(notification)
        return await self.deliver(notification)

    async def pending(self) -> list[Notification]:
        """Notifications still waiting for a channel, oldest first."""
        found = await self.records.values(OUTBOX, Notification)
        return sorted(found, key=lambda n: n.created)

    async def retry_pending(self) -> tuple[int, int]:
        """Deliver what is in the outbox through this process's channels. Returns: (delivered, still
        failing here); what only other channels wait for counts as neither."""
        delivered = failed = 0
        for notification in await self.pending():
            outcome = await self.deliver(notification)
            if outcome is True:
                delivered += 1
            elif outcome is False:
                failed += 1
        return delivered, failed

    async def prune(self, older_than: datetime) -> int:
        """Erase undelivered notifications older than the retention period (they hold emails)."""
        erased = 0
        for notification in await self.pending():
            if notification.created < older_than and await self.records.delete(OUTBOX, notification.id):
                erased += 1
        return erased

    async def forget_session(self, session_id: str) -> int:
        """Erase undelivered notifications about one conversation. Returns: how many."""
        erased = 0
        for notification in await self.pending():
            if notification.session_id == session_id and await self.records.delete(OUTBOX, notification.id):
                erased += 1
        return erased


async def send_digests(notifier: Notifier, throttle: NotifyThrottle) -> int:
    """Queue and deliver one digest per past hour that held notifications back. Returns: how many."""
    sent = 0
    for start, hour in await throttle.closed_hours():
        digest = notifier.new("digest", "twin: notifications held back", digest_text(start, hour))
        await notifier.submit(digest)
        sent += 1
    return sent


class Announcer:
    """Tells the owner about a new contact or question: queued at once, delivered in the background,
    and what could not be delivered retried on a later turn (at most every `retry_seconds`)."""

    def __init__(
        self,
        notifier: Notifier,
        background: Background,
        retry_seconds: float,
        throttle: NotifyThrottle,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._notifier = notifier
        self._background = background
        self._retry_seconds = retry_seconds
        self._throttle = throttle
        self._clock = clock
        self._last_retry = clock()

    async def contact(self, contact: Contact, visit: Visit) -> None:
        lines = [f"Email: {notification_field(contact.email)}"]
        lines += [f"Name: {notification_field(contact.name, 200)}"] if contact.name else []
        lines += [f"Note: {notification_field(contact.note, 1000)}"] if contact.note else []
        lines.append(f"Conversation: twin conversations show {visit.session_id}")
        await self._announce("contact", "twin: a visitor wants to get in touch", "\n".join(lines), visit)

    async def question(self, question: Question, visit: Visit) -> None:
        asked = notification_field(question.question, 500)
        text = f'{asked}\n\nAnswer it: twin questions answer {question.id} "..."'
        await self._announce("question", "twin: a question I could not answer", text, visit)

    async def _announce(
        self, kind: Literal["contact", "question"], title: str, text: str, visit: Visit
    ) -> None:
        if not self._notifier.enabled or not await self._throttle.admit(kind, visit):
            return
        notification = self._notifier.new(kind, title, text, visit.session_id)
        if await self._notifier.enqueue(notification):
            self._background.spawn(self._notifier.deliver(notification))
        else:
            self._background.spawn(self._notifier.submit(notification))

    def retry_when_due(self) -> None:
        """Deliver what is still in the outbox, in the background, if the last try is long enough ago."""
        if not self._notifier.enabled or self._clock() - self._last_retry < self._retry_seconds:
            return
        self._last_retry = self._clock()
        self._background.spawn(self._retry())

    async def _retry(self) -> None:
        try:
            await send_digests(self._notifier, self._throttle)
            delivered, failed = await self._notifier.retry_pending()
        except StoreError as exc:
            log.warning("notification retry skipped: %s", type(exc).__name__)
            return
        if delivered or failed:
            log.info("notification retry: %d delivered, %d still pending", delivered, failed)
