"""`twin leads`, `twin stats`, `twin notify` and retention of visitors' records by `conversations prune`."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from memory import Conversation, Message, RecordStore, ReplyTokens, file_memory
from memory.keys import session_hash
from memory.s3 import S3Store
from service.chat.budget import SpendCap
from service.cli import main
from service.owner.audit import AuditTrail
from service.owner.loop import CONTACTS, OwnerLoop
from service.owner.notify import OUTBOX, Notifier
from service.providers import Usage
from tests.support.moto_s3 import MotoS3Server
from tests.support.spend import charge

SID = "a" * 32


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for var in (
        "USE_S3",
        "S3_BUCKET",
        "S3_PREFIX",
        "S3_RECORDS_PREFIX",
        "TWIN_RETENTION_DAYS",
        "AWS_ENDPOINT_URL_S3",
        "TWIN_NOTIFY_WEBHOOK_URL",
        "TWIN_NOTIFY_SNS_TOPIC_ARN",
        "TWIN_MODEL",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MEMORY_DIR", str(tmp_path / "conversations"))


def records(tmp_path: Path) -> RecordStore:
    return file_memory(tmp_path / "conversations").records


def seed_contacts(owner: OwnerLoop) -> None:
    async def go() -> None:
        await owner.record_contact(SID, "ada@example.com", "Ada", "=HYPERLINK(evil)")
        await owner.record_contact("b" * 32, "Ada@Example.com")
        await owner.record_contact(SID, "grace@example.com", "Grace", "a role")
        await owner.records.store.close()

    asyncio.run(go())


def test_leads_list_shows_each_contact_once_with_how_often(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_contacts(OwnerLoop(records(tmp_path)))
    assert main(["leads", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["EMAIL", "NAME", "TIMES"]
    rows = {line.split()[0]: line for line in out[1:]}
    assert set(rows) == {"ada@example.com", "grace@example.com"}
    assert rows["ada@example.com"].split()[2] == "2"


def test_leads_export_csv_guards_against_formulas_and_jsonl_round_trips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_contacts(OwnerLoop(records(tmp_path)))
    assert main(["leads", "export"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    ada = next(r for r in rows if r["email"] == "ada@example.com")
    assert ada["note"] == "'=HYPERLINK(evil)" and ada["count"] == "2"
    assert ada["sessions"] == f"{SID} {'b' * 32}"
    assert main(["leads", "export", "--format", "jsonl", "-o", str(tmp_path / "leads.jsonl")]) == 0
    lines = (tmp_path / "leads.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["email"] for line in lines) == ["ada@example.com", "grace@example.com"]


def test_leads_on_s3_chosen_by_flag(
    moto_s3: MotoS3Server, s3_bucket: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_s3.endpoint)
    seed_contacts(OwnerLoop(RecordStore(S3Store(s3_bucket, "records/"))))
    assert main(["leads", "list", "--s3-bucket", s3_bucket]) == 0
    captured = capsys.readouterr()
    assert "grace@example.com" in captured.out
    assert f"2 contact(s) in s3://{s3_bucket}/records/" in captured.err


def conversation(session_id: str, when: datetime, turns: int, tokens: int) -> Conversation:
    messages: list[Message] = []
    for _ in range(turns):
        messages.append(Message(role="user", content="q", timestamp=when))
        usage = ReplyTokens(prompt_tokens=tokens, completion_tokens=tokens // 10)
        messages.append(Message(role="assistant", content="a", timestamp=when, usage=usage))
    return Conversation(session_id=session_id, started_at=when, updated_at=when, messages=tuple(messages))


def test_stats_counts_turns_tokens_cost_contacts_questions_and_feedback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWIN_DAILY_TOKEN_BUDGET", "1000")
    monkeypatch.setenv("TWIN_MONTHLY_TOKEN_BUDGET", "0")
    now = datetime.now(UTC)
    store = file_memory(tmp_path / "conversations").conversations
    owner = OwnerLoop(records(tmp_path))

    async def seed() -> None:
        await store.write(conversation("c" * 32, now, turns=2, tokens=1000), expected_version=None)
        await store.write(
            conversation("d" * 32, now - timedelta(days=1), turns=1, tokens=500), expected_version=None
        )
        await store.write(
            conversation("e" * 32, now - timedelta(days=30), turns=5, tokens=9), expected_version=None
        )
        await owner.record_contact(SID, "ada@example.com")
        await owner.record_question(SID, "Do you sail?")
        await owner.record_feedback("c" * 32, 1, "up")
        await owner.record_feedback("c" * 32, 2, "up")
        await owner.record_feedback("d" * 32, 1, "down")
        cap = SpendCap(records(tmp_path), daily_tokens=1000, monthly_tokens=0)
        await charge(cap, Usage(prompt_tokens=1100, completion_tokens=100), 0.5)

    asyncio.run(seed())
    assert main(["stats", "--days", "7", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert len(stats["per_day"]) == 7
    assert stats["per_day"][-1]["turns"] == 2 and stats["per_day"][-1]["conversations"] == 1
    assert (stats["conversations"], stats["turns"]) == (2, 3)
    assert (stats["tokens_in"], stats["tokens_out"]) == (2500, 250)
    assert stats["cost_usd"] == pytest.approx((2500 * 0.15 + 250 * 0.60) / 1e6)
    assert (stats["new_contacts"], stats["new_questions"], stats["open_questions"]) == (1, 1, 1)
    assert (stats["feedback_up"], stats["feedback_down"]) == (2, 1)
    assert stats["feedback_ratio"] == pytest.approx(2 / 3)
    [daily] = stats["budget"]
    assert (daily["period"], daily["tokens"], daily["budget"], daily["cost_usd"]) == (
        "daily",
        1200,
        1000,
        0.5,
    )
    assert main(["stats"]) == 0
    text = capsys.readouterr().out
    assert "feedback: 2 up, 1 down (67% up)" in text and "contacts: 1 new" in text
    assert "turns answered offline: 0; failed turns: 0" in text  # what the owner's room charts too
    assert "1200 of 1000 tokens (120%) - answering offline" in text


@pytest.mark.parametrize("days", ["0", "x", "400"])
def test_stats_rejects_bad_day_counts(days: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["stats", "--days", days])


def test_conversations_prune_also_erases_old_visitor_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = records(tmp_path)
    owner = OwnerLoop(store)
    old = (datetime.now(UTC) - timedelta(days=40)).isoformat()

    async def seed() -> None:
        contact, _ = await owner.record_contact(SID, "old@example.com")
        await store.update(CONTACTS, contact.id, lambda c: {**c, "first_seen": old, "last_seen": old})
        await owner.record_contact(SID, "new@example.com")
        notifier = Notifier(store, [])
        stale = notifier.new("contact", "t", "Email: old@example.com")
        stale.created = datetime.now(UTC) - timedelta(days=40)
        await notifier.enqueue(stale)

    asyncio.run(seed())
    assert main(["conversations", "prune"]) == 0
    assert "erased 2 visitor record(s)" in capsys.readouterr().out
    remaining = asyncio.run(owner.contacts())
    assert [c.email for c in remaining] == ["new@example.com"]
    assert asyncio.run(store.keys(OUTBOX)) == []


def test_conversations_prune_names_a_pruned_conversation_in_the_audit_by_a_hash(tmp_path: Path) -> None:
    """Was: the owner's stepping in and out of a conversation retention erased kept its id for a year."""
    memory = file_memory(tmp_path / "conversations")
    gone, kept = "G" * 32, "K" * 32
    audit = AuditTrail(memory.records)

    async def seed() -> None:
        long_ago = datetime.now(UTC) - timedelta(days=40)
        await memory.conversations.write(conversation(gone, long_ago, 1, 10), expected_version=None)
        await memory.conversations.write(conversation(kept, datetime.now(UTC), 1, 10), expected_version=None)
        for session_id in (gone, kept):
            await audit.record("join", target=session_id)

    asyncio.run(seed())
    assert main(["conversations", "prune"]) == 0
    entries = asyncio.run(audit.recent())
    assert sorted(entry.target for entry in entries) == sorted([f"conversation {session_hash(gone)}", kept])


def test_notify_retry_without_a_channel_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notify", "retry"]) == 1
    assert "no channel configured" in capsys.readouterr().err


def test_notify_list_and_retry_deliver_pending_to_the_webhook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.webhook import WebhookReceiver

    with WebhookReceiver() as receiver:
        monkeypatch.setenv("TWIN_NOTIFY_WEBHOOK_URL", receiver.url)
        notifier = Notifier(records(tmp_path), [])
        queued = notifier.new("question", "twin: a question", "Do you sail?")
        queued.pending = ["webhook"]
        asyncio.run(notifier.enqueue(queued))
        assert main(["notify", "list"]) == 0
        assert "1 pending notification(s)" in capsys.readouterr().err
        assert main(["notify", "retry"]) == 0
        assert "delivered 1, still failing 0" in capsys.readouterr().out
        assert [b["message"] for b in receiver.bodies] == ["Do you sail?"]


def test_notify_retry_counts_a_delivery_here_and_is_no_failure_for_channels_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: a notification pending on the webhook and SNS, delivered to the webhook here, was counted
    still pending, its attempts went up, and every run exited 1 for the SNS it could never try."""
    from tests.support.webhook import WebhookReceiver

    with WebhookReceiver() as receiver:
        monkeypatch.setenv("TWIN_NOTIFY_WEBHOOK_URL", receiver.url)
        store = records(tmp_path)
        notifier = Notifier(store, [])
        queued = notifier.new("question", "twin: a question", "Do you sail?")
        queued.pending = ["sns", "webhook"]
        asyncio.run(notifier.enqueue(queued))
        for _ in range(2):
            assert main(["notify", "retry"]) == 0
        captured = capsys.readouterr()
        assert "delivered 1, still failing 0" in captured.out
        assert "kept for channels not configured here: sns" in captured.err
        assert [b["message"] for b in receiver.bodies] == ["Do you sail?"]
        [left] = asyncio.run(notifier.pending())
        assert (left.pending, left.attempts) == (["sns"], 0)


def test_twin_chat_delivers_the_notification_before_it_exits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import EXAMPLE_PERSONA
    from tests.support.webhook import WebhookReceiver

    with WebhookReceiver() as receiver:
        monkeypatch.setenv("TWIN_NOTIFY_WEBHOOK_URL", receiver.url)
        monkeypatch.setenv("PERSONA_DIR", str(EXAMPLE_PERSONA))
        monkeypatch.setenv("TWIN_PROVIDER", "offline")
        assert main(["chat", "-m", "please email me at ada@example.com"]) == 0
        assert "passed your email on" in capsys.readouterr().out
        [body] = receiver.bodies
        assert "ada@example.com" in body["text"]
        assert asyncio.run(records(tmp_path).keys(OUTBOX)) == []


def test_stats_show_cached_prompt_tokens_priced_as_cached_and_estimated_replies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    store = file_memory(tmp_path / "conversations").conversations
    cached = ReplyTokens(prompt_tokens=2000, completion_tokens=100, cached_tokens=1536)
    estimated = ReplyTokens(prompt_tokens=1000, completion_tokens=50, estimated=True)
    messages = (
        Message(role="user", content="q", timestamp=now),
        Message(role="assistant", content="a", timestamp=now, usage=cached),
        Message(role="user", content="q", timestamp=now),
        Message(role="assistant", content="a", timestamp=now, usage=estimated),
    )
    conversation = Conversation(session_id="f" * 32, started_at=now, updated_at=now, messages=messages)
    asyncio.run(store.write(conversation, expected_version=None))
    assert main(["stats", "--days", "1", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert (stats["tokens_in"], stats["tokens_cached"], stats["estimated_turns"]) == (3000, 1536, 1)
    assert stats["cost_usd"] == pytest.approx((1464 * 0.15 + 1536 * 0.075 + 150 * 0.60) / 1e6, abs=1e-6)
    assert main(["stats", "--days", "1"]) == 0
    header, row = capsys.readouterr().out.splitlines()[:2]
    assert "CACHED" in header and "ESTIMATED" in header and "1536" in row
