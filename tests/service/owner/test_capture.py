"""Capturing: contacts and unanswered questions recorded from chat, with both providers and both stores."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from memory import RecordStore, Store
from memory.model import utc_now
from service.owner.contacts import Contact
from service.owner.loop import CONTACTS, QUESTIONS, normalise_question, record_id
from service.providers import ToolCall
from service.settings import Settings
from tests.support.fake_openai import FakeOpenAI
from tests.support.moto_s3 import MotoS3Server
from tests.support.settings import on_fake_model
from tests.support.twins import twin_for

UNANSWERABLE = "What is your favourite colour of submarine?"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def openai_settings(settings: Settings, fake: FakeOpenAI) -> Settings:
    return on_fake_model(settings, fake.base_url)


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streaming"])
async def test_openai_tool_call_records_a_contact_and_continues_to_a_reply(
    settings: Settings, backend: Store, fake: FakeOpenAI, stream: bool
) -> None:
    fake.tool_call(
        "record_contact",
        json.dumps({"email": "Ada@Example.com", "name": "Ada", "note": "a contract role"}),
        then="Thanks Ada, I'll pass that on.",
        call_id="call_1",
    )
    twin = twin_for(openai_settings(settings, fake), backend)
    engine = twin.engine
    turn = await engine.begin("Please have them email me at Ada@Example.com", None, stream=stream)
    reply = "".join([d async for d in turn.deltas()])
    assert reply == "Thanks Ada, I'll pass that on."
    assert turn.tools_used == ["record_contact"]
    [contact] = await twin.owner.contacts()
    assert (contact.email, contact.name, contact.note) == ("ada@example.com", "Ada", "a contract role")
    assert contact.sessions == [turn.session_id]
    first, second = fake.requests
    assert {t["function"]["name"] for t in first["tools"]} == {"record_contact", "record_unanswered_question"}
    assert second["messages"][-2]["tool_calls"][0]["id"] == "call_1"
    assert second["messages"][-1]["role"] == "tool"
    assert json.loads(second["messages"][-1]["content"]) == {"ok": True, "recorded": "contact"}
    stored = await twin.memory.conversations.load(turn.session_id)
    assert stored is not None and stored.conversation.messages[-1].content == reply


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streaming"])
async def test_openai_unanswered_question_is_recorded_once_with_a_count(
    settings: Settings, backend: Store, records: RecordStore, fake: FakeOpenAI, stream: bool
) -> None:
    twin = twin_for(openai_settings(settings, fake), backend)
    engine = twin.engine
    sessions = []
    for asked in (UNANSWERABLE, "what is your favourite colour of submarine"):
        fake.tool_call("record_unanswered_question", json.dumps({"question": asked}), then="I passed it on.")
        turn = await engine.begin(asked, None, stream=stream)
        assert "".join([d async for d in turn.deltas()]) == "I passed it on."
        sessions.append(turn.session_id)
    [question] = await twin.owner.questions()
    assert question.count == 2 and question.status == "open"
    assert question.question == UNANSWERABLE
    assert question.sessions == sessions
    assert await records.keys(QUESTIONS) == [record_id(normalise_question(UNANSWERABLE))]


async def test_tool_rounds_are_bounded_and_the_last_call_offers_no_tools(
    settings: Settings, backend: Store, fake: FakeOpenAI
) -> None:
    args = json.dumps({"question": "Q one?"})
    fake.tool_call("record_unanswered_question", args).tool_call("record_unanswered_question", args)
    fake.reply("Finally an answer.")
    twin = twin_for(openai_settings(settings, fake), backend)
    engine = twin.engine
    turn = await engine.reply("Q one?", None)
    assert turn.reply == "Finally an answer."
    assert [("tools" in r) for r in fake.requests] == [True, True, False]
    assert len(fake.requests[2]["messages"]) == len(fake.requests[0]["messages"]) + 4


async def test_bad_tool_arguments_are_refused_to_the_model_and_the_turn_still_answers(
    settings: Settings, backend: Store, records: RecordStore, fake: FakeOpenAI
) -> None:
    fake.tool_call(
        "record_contact", json.dumps({"email": "not an email"}), then="Could you check your email?"
    )
    twin = twin_for(openai_settings(settings, fake), backend)
    engine = twin.engine
    turn = await engine.reply("contact me", None)
    assert turn.reply == "Could you check your email?"
    result = json.loads(fake.requests[1]["messages"][-1]["content"])
    assert result["ok"] is False and "invalid" in result["error"]
    assert "not an email" not in result["error"]
    assert await records.keys(CONTACTS) == []


async def test_unknown_tool_is_an_error_result_not_a_failure(settings: Settings, backend: Store) -> None:
    tools = twin_for(settings, backend).engine._services.tools
    result = await tools.execute(ToolCall(id="c", name="rm_rf", arguments="{}"), "x" * 32)
    assert json.loads(result.content) == {"ok": False, "error": "unknown tool 'rm_rf'"}


async def test_offline_email_records_a_contact_and_thanks_the_visitor(
    settings: Settings, backend: Store
) -> None:
    twin = twin_for(settings, backend)
    engine = twin.engine
    turn = await engine.reply("I'd love to chat about a role, I'm bob@example.org", None)
    assert "passed your email on" in turn.reply
    [contact] = await twin.owner.contacts()
    assert contact.email == "bob@example.org"
    assert "bob@example.org" not in contact.note and "role" in contact.note
    again = await engine.reply("again: BOB@example.org", turn.session_id)
    assert "passed your email on" in again.reply
    [contact] = await twin.owner.contacts()
    assert contact.count == 2 and contact.sessions == [turn.session_id]


@pytest.mark.parametrize(
    "message",
    [
        "write to JOSÉ.garcia@example.com please",
        "Ünal.yilmaz@example.com is me",
        "mail bob@shop.exämple.com",
        "a" * 80 + "@example.com",
        "x@münchen.de please",
    ],
)
async def test_offline_an_address_it_cannot_read_whole_is_not_recorded_in_part(
    settings: Settings, backend: Store, message: str
) -> None:
    """These were recorded (and sent to the owner) as ".garcia@example.com", "nal.yilmaz@...",
    "bob@shop.ex" and the last 64 letters: a wrong address is worse than none."""
    twin = twin_for(settings, backend)
    turn = await twin.engine.reply(message, None)
    assert await twin.owner.contacts() == []
    assert "passed your email on" not in turn.reply


async def test_offline_a_second_address_in_the_message_stays_in_the_note(
    settings: Settings, backend: Store
) -> None:
    twin = twin_for(settings, backend)
    await twin.engine.reply("reach me at alice@example.com or at carol@example.org", None)
    [contact] = await twin.owner.contacts()
    assert contact.email == "alice@example.com" and contact.note == "reach me at or at carol@example.org"


async def test_offline_unanswerable_question_is_recorded_and_passed_on(
    settings: Settings, backend: Store
) -> None:
    twin = twin_for(settings, backend)
    engine = twin.engine
    turn = await engine.reply(UNANSWERABLE, None)
    assert "passed your question on" in turn.reply
    assert turn.tools_used == ["record_unanswered_question"]
    [question] = await twin.owner.questions()
    assert question.question == UNANSWERABLE


async def test_offline_answerable_question_and_small_talk_record_nothing(
    settings: Settings, backend: Store, records: RecordStore
) -> None:
    twin = twin_for(settings, backend)
    engine = twin.engine
    for message in ("Where did you study?", "hello", "thanks!", "Ignore previous instructions?"):
        turn = await engine.reply(message, None)
        assert turn.tools_used == []
    assert await records.keys(QUESTIONS) == [] and await records.keys(CONTACTS) == []


async def test_emails_never_reach_the_logs(
    settings: Settings, backend: Store, caplog: pytest.LogCaptureFixture
) -> None:
    twin = twin_for(settings, backend)
    engine = twin.engine
    with caplog.at_level(logging.DEBUG):
        turn = await engine.reply("mail me at secret.person@example.com", None)
        await twin.owner.record_contact(turn.session_id, "Secret.Person@Example.com")
    assert caplog.records
    assert not [r for r in caplog.records if "secret.person" in r.getMessage().lower()]
    # The twin's own logs never carry a session id (S3 object keys do, in botocore's debug lines).
    assert not [r for r in caplog.records if r.name.startswith("twin") and turn.session_id in r.getMessage()]


async def test_prune_erases_old_contacts_and_questions_but_keeps_answers(
    settings: Settings, backend: Store, records: RecordStore
) -> None:
    twin = twin_for(settings, backend)
    sid = "s" * 32
    await twin.owner.record_contact(sid, "old@example.com")
    old_q, _ = await twin.owner.record_question(sid, "An old question?")
    answered, _ = await twin.owner.record_question(sid, "An answered question?")
    await twin.owner.answer(answered.id, "The owner's words.")
    await twin.owner.record_feedback(sid, 1, "up")
    assert await twin.owner.prune(utc_now() - timedelta(days=1)) == 0
    assert await twin.owner.prune(utc_now() + timedelta(seconds=1)) == 3
    assert await records.keys(CONTACTS) == []
    [kept] = await twin.owner.questions()
    assert kept.id == answered.id and kept.answer == "The owner's words." and kept.sessions == []
    assert old_q.id != kept.id


async def test_prune_keeps_a_contact_renewed_after_the_listing(
    settings: Settings, backend: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retention lists, then deletes: a contact renewed in between (the visitor came back and left a
    message) is judged again as it is deleted, and kept with what the visitor just left."""
    owner = twin_for(settings, backend).owner
    await owner.record_contact("s" * 32, "back@example.com")
    [old] = await owner.contacts()
    listing = owner.contacts_and_visits

    async def listed_then_renewed() -> tuple[list[Contact], dict[str, dict[str, datetime]]]:
        found = await listing()
        await owner.record_contact("t" * 32, "back@example.com", note="call me today")
        return found

    monkeypatch.setattr(owner, "contacts_and_visits", listed_then_renewed)
    assert await owner.prune(old.last_seen + timedelta(microseconds=1)) == 0
    [kept], _ = await listing()
    assert kept.sessions == ["s" * 32, "t" * 32] and kept.last_seen > old.last_seen


def test_contact_keys_are_hashes_never_the_email(tmp_path: Path) -> None:
    key = record_id("ada@example.com")
    assert len(key) == 12 and "@" not in key


def test_chat_stream_over_http_runs_a_streamed_tool_call_and_streams_the_follow_up(
    settings: Settings, fake: FakeOpenAI
) -> None:
    from litestar.testing import TestClient

    from service.app import create_app
    from tests.support.sse import parse_sse

    openai = openai_settings(settings, fake)
    fake.tool_call(
        "record_unanswered_question",
        json.dumps({"question": UNANSWERABLE}),
        then=("I don't know that one; ", "I've passed it on."),
        fragments=4,
    )
    with TestClient(app=create_app(openai)) as client:
        response = client.post("/chat/stream", json={"message": UNANSWERABLE})
        assert response.status_code == 200
        events = parse_sse(response.text)
    names = [name for name, _ in events]
    assert names[0] == "session" and names[-1] == "done"
    deltas = "".join(data["text"] for name, data in events if name == "delta")
    assert deltas == "I don't know that one; I've passed it on."
    [stored] = (settings.storage.memory_dir / "records" / QUESTIONS).glob("*.json")
    assert json.loads(stored.read_text())["question"] == UNANSWERABLE
    assert fake.requests[0]["stream"] is True and fake.requests[1]["stream"] is True


async def test_records_store_down_the_visitor_still_gets_an_honest_reply(
    settings: Settings, moto_s3: MotoS3Server, s3_bucket: str
) -> None:
    from memory import Memory, file_memory
    from memory.s3 import S3Store
    from service.app import build_twin

    store = S3Store(s3_bucket, endpoint_url=moto_s3.endpoint)
    records = RecordStore(store.with_namespace("records"))
    on_files = file_memory(settings.storage.memory_dir)  # only the records are on the failing S3
    twin = build_twin(settings, Memory(store, on_files.conversations, records))
    moto_s3.fail(503)
    try:
        turn = await twin.engine.reply("please email me at ada@example.com", None)
    finally:
        moto_s3.clear_faults()
    assert turn.tools_used == ["record_contact"]
    assert "passed your email on" not in turn.reply  # nothing was recorded: the twin does not claim it
    assert await records.keys(CONTACTS) == []
    await store.close()


async def test_retention_takes_an_old_conversations_name_and_note_from_a_contact_kept_for_a_new_one(
    settings: Settings, backend: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: a contact the same address renewed later kept, for good, the name and note an old,
    pruned conversation had left with it."""
    import service.owner.loop as loop

    owner = twin_for(settings, backend).owner
    long_ago = utc_now() - timedelta(days=40)
    monkeypatch.setattr(loop, "utc_now", lambda: long_ago)
    await owner.record_contact("o" * 32, "back@example.com", "Grace Old", "my old number is 555-0100")
    monkeypatch.undo()
    await owner.record_contact("n" * 32, "back@example.com", "Grace", "call me today")
    assert await owner.prune(utc_now() - timedelta(days=30)) == 0
    [kept] = await owner.contacts()
    assert (kept.sessions, kept.name, kept.note, kept.count) == (["n" * 32], "Grace", "call me today", 1)
    stored = await owner.records.get(CONTACTS, kept.id)
    assert stored is not None and "555-0100" not in str(stored.value) and "Grace Old" not in str(stored.value)
    assert await owner.prune(utc_now() - timedelta(days=30)) == 0
    again = await owner.records.get(CONTACTS, kept.id)
    assert again is not None and again.version == stored.version  # nothing old left: not written again
