"""Owner notifications: webhook to a local receiver (up and down), SNS on moto, outbox and retries."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from memory import RecordStore, Store, file_memory
from service.owner.notify import OUTBOX, Notifier, SnsChannel, WebhookChannel
from service.settings import Settings
from tests.support.handler import chat_through_handler
from tests.support.moto_s3 import MotoS3Server
from tests.support.settings import settings_for
from tests.support.webhook import WebhookReceiver, notifying


@pytest.fixture
def down_url() -> str:
    """A 127.0.0.1 URL where nothing listens (the port was bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


async def test_new_contact_is_posted_to_the_webhook_in_the_background(
    settings: Settings, backend: Store, records: RecordStore, receiver: WebhookReceiver
) -> None:
    twin = notifying(settings, backend, receiver.url)
    engine = twin.engine
    turn = await engine.reply("reach me at ada@example.com please", None)
    await twin.background.drain()
    [body] = receiver.bodies
    assert body["event"] == "contact"
    assert body["text"] == body["content"]
    assert "ada@example.com" in body["text"] and turn.session_id in body["text"]
    assert await records.keys(OUTBOX) == []
    await engine.reply("again ada@example.com", turn.session_id)
    await twin.background.drain()
    assert len(receiver.bodies) == 1  # the same contact again is counted, not announced again


async def test_new_question_notification_says_how_to_answer_it(
    settings: Settings, backend: Store, receiver: WebhookReceiver
) -> None:
    twin = notifying(settings, backend, receiver.url)
    await twin.engine.reply("What is your favourite submarine?", None)
    await twin.background.drain()
    [question] = await twin.owner.questions()
    [body] = receiver.bodies
    assert body["event"] == "question"
    assert f"twin questions answer {question.id}" in body["text"]


async def test_receiver_down_keeps_the_reply_logs_without_email_and_retries_later(
    settings: Settings, backend: Store, records: RecordStore, down_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    twin = notifying(settings, backend, down_url, timeout=1.0)
    with caplog.at_level(logging.INFO):
        turn = await twin.engine.reply("reach me at grace@example.com", None)
        await twin.background.drain()
    assert "passed your email on" in turn.reply
    [pending] = await twin.notifier.pending()
    assert pending.pending == ["webhook"] and pending.attempts == 1
    warnings = [r.getMessage() for r in caplog.records if r.name == "twin.notify"]
    assert any("not delivered by webhook" in w for w in warnings)
    assert not any("grace@" in r.getMessage() for r in caplog.records)
    # The receiver comes up: the next retry delivers and empties the outbox.
    with WebhookReceiver() as up:
        assert await Notifier(records, [WebhookChannel(up.url, 2.0)]).retry_pending() == (1, 0)
        [body] = up.bodies
        assert "grace@example.com" in body["text"]
    assert await records.keys(OUTBOX) == []


async def test_receiver_answering_an_error_status_is_a_failed_delivery(
    records: RecordStore, receiver: WebhookReceiver
) -> None:
    receiver.status = 500
    notifier = Notifier(records, [WebhookChannel(receiver.url, 2.0)])
    assert not await notifier.submit(notifier.new("question", "t", "q"))
    assert len(await notifier.pending()) == 1


async def test_a_turn_retries_pending_notifications_when_the_interval_has_passed(
    settings: Settings, backend: Store, records: RecordStore, receiver: WebhookReceiver
) -> None:
    notifier = Notifier(records, [WebhookChannel(receiver.url, 2.0)])
    queued = notifier.new("question", "t", "left over")
    await notifier.enqueue(queued)
    twin = notifying(settings, backend, receiver.url, TWIN_NOTIFY_RETRY_SECONDS=0)
    await twin.engine.reply("hello", None)
    await twin.background.drain()
    assert [b["message"] for b in receiver.bodies] == ["left over"]
    assert await notifier.pending() == []


async def test_a_channel_that_took_it_is_not_repeated_on_retry(
    records: RecordStore, receiver: WebhookReceiver, down_url: str
) -> None:
    class Named(WebhookChannel):
        def __init__(self, name: str, url: str) -> None:
            super().__init__(url, 1.0)
            self.name = name

    notifier = Notifier(records, [Named("up", receiver.url), Named("down", down_url)])
    assert not await notifier.submit(notifier.new("contact", "t", "x"))
    assert len(receiver.bodies) == 1
    assert await notifier.retry_pending() == (0, 1)
    assert len(receiver.bodies) == 1
    [pending] = await notifier.pending()
    assert pending.pending == ["down"] and pending.attempts == 2


async def test_a_notification_for_a_channel_this_process_lacks_stays_pending_for_the_one_that_has_it(
    records: RecordStore, receiver: WebhookReceiver, down_url: str, tmp_path: Path
) -> None:
    """The deployed twin queued it for its webhook; the owner's machine, with only SNS set, ran
    `twin notify retry`: it said "delivered 2" and the outbox was emptied, nothing sent."""
    queued_by = Notifier(records, [WebhookChannel(down_url, 1.0)])
    assert not await queued_by.submit(queued_by.new("contact", "t", "Email: ada@example.com"))
    elsewhere = Notifier(records, [SnsChannel("arn:aws:sns:eu-west-1:123456789012:x", 1.0)])
    assert await elsewhere.retry_pending() == (0, 0)  # neither delivered nor failing here: kept
    [pending] = await elsewhere.pending()
    assert (pending.pending, pending.attempts) == (["webhook"], 1)  # not tried here: not an attempt
    assert await Notifier(records, [WebhookChannel(receiver.url, 1.0)]).retry_pending() == (1, 0)
    assert len(receiver.bodies) == 1 and await records.keys(OUTBOX) == []


async def test_sns_publishes_to_the_topic_on_moto(moto_s3: MotoS3Server, tmp_path: Path) -> None:
    sns = boto3.client("sns", endpoint_url=moto_s3.endpoint, region_name="us-east-1")
    sqs = boto3.client("sqs", endpoint_url=moto_s3.endpoint, region_name="us-east-1")
    topic = sns.create_topic(Name="twin-test-owner")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="owner-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    records = file_memory(tmp_path).records
    notifier = Notifier(records, [SnsChannel(topic, 2.0, endpoint_url=moto_s3.endpoint)])
    assert await notifier.submit(notifier.new("contact", "twin: a visitor", "Email: ada@example.com"))
    [message] = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    envelope = json.loads(message["Body"])
    assert envelope["Message"] == "Email: ada@example.com"
    assert envelope["Subject"] == "twin: a visitor"
    assert await records.keys(OUTBOX) == []


async def test_sns_failure_is_a_pending_notification(moto_s3: MotoS3Server, tmp_path: Path) -> None:
    records = file_memory(tmp_path).records
    missing = "arn:aws:sns:us-east-1:123456789012:no-such-topic"
    notifier = Notifier(records, [SnsChannel(missing, 2.0, endpoint_url=moto_s3.endpoint)])
    assert not await notifier.submit(notifier.new("question", "t", "q"))
    [pending] = await notifier.pending()
    assert pending.pending == ["sns"]


def test_settings_build_the_configured_channels(tmp_path: Path) -> None:
    settings = settings_for(
        TWIN_NOTIFY_WEBHOOK_URL="http://127.0.0.1:9/hook",
        TWIN_NOTIFY_SNS_TOPIC_ARN="arn:aws:sns:eu-west-1:123456789012:twin-prod-owner",
    )
    records = file_memory(tmp_path).records
    notifier = Notifier.from_settings(settings.notify, records)
    assert sorted(notifier.channels) == ["sns", "webhook"]
    off = Notifier.from_settings(settings_for().notify, records)
    assert not off.enabled


def test_webhook_url_must_be_http() -> None:
    from service.environment import SettingsError

    with pytest.raises(SettingsError, match="TWIN_NOTIFY_WEBHOOK_URL"):
        Settings.from_env({"TWIN_NOTIFY_WEBHOOK_URL": "file:///etc/passwd"}, env_file=None)


def test_the_lambda_handler_delivers_before_it_returns(
    receiver: WebhookReceiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lambda freezes the container when the handler returns: a notification still waiting for its
    receiver then would only finish on a later invocation, if any."""
    receiver.delay = 0.5
    response = chat_through_handler(
        monkeypatch, tmp_path, "Please have Freja write to zed@example.com",
        TWIN_PROVIDER="offline", TWIN_NOTIFY_WEBHOOK_URL=receiver.url,
    )  # fmt: skip
    assert response["statusCode"] == 200 and len(receiver.bodies) == 1
    assert asyncio.run(file_memory(tmp_path).records.keys(OUTBOX)) == []  # delivered, not pending


def test_httpx_is_imported_for_a_webhook_delivery_not_at_start_up(
    receiver: WebhookReceiver, tmp_path: Path
) -> None:
    """A cold start pays for the webhook's HTTP client only when the owner has a webhook: the model's
    client brings its own HTTP stack, and nothing else at start-up needs httpx."""
    script = f"""
import asyncio, json, sys
from datetime import UTC, datetime
from service.app import create_app
from service.owner.notify import Notification, WebhookChannel
from tests.support.settings import settings_for
create_app(settings_for(MEMORY_DIR={str(tmp_path)!r}, OPENAI_API_KEY="sk-test", TWIN_PROVIDER="openai"))
at_start = "httpx" in sys.modules
note = Notification(id="n1", kind="contact", title="A contact", text="hi", created=datetime.now(UTC))
asyncio.run(WebhookChannel({receiver.url!r}, 5).send(note))
print(json.dumps([at_start, "httpx" in sys.modules]))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.splitlines()[-1]) == [False, True]
    assert [body["title"] for body in receiver.bodies] == ["A contact"]
