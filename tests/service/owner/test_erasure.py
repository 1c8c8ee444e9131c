"""Erasure ("delete my conversation") takes everything of that session: its contact details, questions,
feedback and undelivered notifications, on every backend; only aggregate counters remain."""

from __future__ import annotations

import asyncio

import pytest
from litestar.testing import TestClient

from memory import RecordStore, Store, file_memory, new_session_id
from memory.keys import session_hash
from service.app import create_app
from service.cli import main
from service.owner.audit import AUDIT, AuditTrail
from service.owner.erasure import Erasure
from service.owner.failures import FailedTurns
from service.owner.loop import CONTACTS, FEEDBACK, QUESTIONS, OwnerLoop
from service.owner.notify import OUTBOX, Notifier, WebhookChannel
from service.owner.read_marks import ReadMarks
from service.settings import Settings
from tests.support.twins import twin_for


async def test_erasing_a_session_erases_what_its_visitor_left(
    settings: Settings, backend: Store, records: RecordStore
) -> None:
    twin = twin_for(settings, backend)
    owner = OwnerLoop(records)
    me = (await twin.engine.reply("Where do you work?", None)).session_id
    them = (await twin.engine.reply("Where did you study?", None)).session_id
    await owner.record_contact(me, "ada@example.com", "Ada", "call me on +44 20 7946 0000")
    await owner.record_contact(me, "shared@example.com")
    await owner.record_contact(them, "shared@example.com")
    only_mine, _ = await owner.record_question(me, "Do you sail, Ada here?")
    shared, _ = await owner.record_question(me, "Do you mentor?")
    await owner.record_question(them, "Do you mentor?")
    answered, _ = await owner.record_question(me, "Ada asks: do you speak Italian?")
    await owner.answer(answered.id, "A little: I lived in Turin for a year.", topic="Italian")
    await owner.record_feedback(me, 1, "down", "Ada: this was wrong")
    await owner.record_feedback(them, 1, "up")
    notifier = Notifier(records, [WebhookChannel("http://127.0.0.1:9/down", 1.0)])
    await notifier.enqueue(notifier.new("contact", "t", "Email: ada@example.com", me))
    await notifier.enqueue(notifier.new("contact", "t", "Email: shared@example.com", them))
    failures, reads = FailedTurns(records), ReadMarks(records)
    erasure = Erasure(twin.memory.conversations, owner, notifier, failures, reads, AuditTrail(records))

    assert await erasure.erase(me)

    assert await twin.memory.conversations.load(me) is None
    assert [(c.email, c.sessions) for c in await owner.contacts()] == [("shared@example.com", [them])]
    questions = {q.id: q for q in await owner.questions(None)}
    assert only_mine.id not in questions
    assert (questions[shared.id].question, questions[shared.id].sessions) == ("Do you mentor?", [them])
    kept = questions[answered.id]
    assert (kept.question, kept.sessions) == ("", [])  # the visitor's wording is gone
    assert (kept.answer, kept.topic) == ("A little: I lived in Turin for a year.", "Italian")
    assert [f.session_id for f in await owner.feedback()] == [them]
    assert [n.session_id for n in await notifier.pending()] == [them]
    left = [
        record.value
        for collection in (CONTACTS, QUESTIONS, FEEDBACK, OUTBOX)
        for record in (await records.items(collection)).values()
    ]
    assert "Ada" not in str(left) and me not in str(left)
    assert not await erasure.erase(me)  # already gone: 404 over HTTP


async def test_a_record_of_another_shape_is_skipped_and_erasure_and_retention_go_on(
    settings: Settings, backend: Store, records: RecordStore, caplog: pytest.LogCaptureFixture
) -> None:
    """Was: one contact edited by hand (or written by another version) stopped every listing, the
    erasure of any conversation and retention, with a traceback."""
    twin = twin_for(settings, backend)
    owner = OwnerLoop(records)
    me = (await twin.engine.reply("Where do you work?", None)).session_id
    await owner.record_contact(me, "ada@example.com")
    await records.put(CONTACTS, "deadbeef0000", {"id": "deadbeef0000", "email": 5})
    await records.put(FEEDBACK, "deadbeef0001", ["not", "feedback"])
    assert [c.email for c in await owner.contacts()] == ["ada@example.com"]
    assert await owner.feedback() == []
    erasure = Erasure.of(twin.memory)  # on the same store as `records`
    assert await erasure.erase(me)
    assert await owner.contacts() == []
    assert "contacts/deadbeef0000 has another shape" in caplog.text
    assert await records.get(CONTACTS, "deadbeef0000") is not None  # kept as it is, for the owner to see


async def test_a_conversation_this_code_cannot_read_is_erased_with_what_it_left(
    settings: Settings, backend: Store, records: RecordStore
) -> None:
    """Was: its erasure failed (503, exit 1) for as long as it could not be decoded."""
    twin = twin_for(settings, backend)
    owner = OwnerLoop(records)
    damaged = new_session_id()
    await twin.memory.conversations.store.put(damaged, b'{"session_id": "x", "messages": [{"role": "visitor"')
    await owner.record_contact(damaged, "ada@example.com")
    await owner.record_feedback(damaged, 1, "down", "Ada here")
    erasure = Erasure.of(twin.memory)  # on the same store as `records`
    assert await erasure.erase(damaged)
    assert await twin.memory.conversations.store.get(damaged) is None
    assert await owner.contacts() == [] and await owner.feedback() == []


async def test_the_owner_stepping_in_and_out_is_named_by_a_hash_once_the_conversation_is_erased(
    settings: Settings, backend: Store, records: RecordStore
) -> None:
    """Was: the audit's entries for joining and leaving kept the erased conversation's id for a year,
    where its deletion's entry names it by a hash."""
    twin = twin_for(settings, backend)
    me = (await twin.engine.reply("Where do you work?", None)).session_id
    them = (await twin.engine.reply("Do you mentor?", None)).session_id
    audit = AuditTrail(records)
    for session_id in (me, them):
        await audit.record("join", target=session_id, ip="127.0.0.1")
        await audit.record("leave", target=session_id, ip="127.0.0.1")
    await audit.record("sign_in", ip="127.0.0.1")
    assert await Erasure.of(twin.memory).erase(me)
    entries = [(entry.action, entry.target) for entry in reversed(await audit.recent())]
    hashed = f"conversation {session_hash(me)}"
    assert entries == [("join", hashed), ("leave", hashed), ("join", them), ("leave", them), ("sign_in", "")]
    assert me not in str([record.value for record in (await records.items(AUDIT)).values()])


async def test_a_visitors_call_for_an_id_nobody_holds_lists_no_collection(
    settings: Settings, backend: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Searching what a session left (the audit trail too, read whole) is for a conversation that
    exists or the owner's erasure of a gone one, not for any id a visitor sends."""
    memory = twin_for(settings, backend).memory
    listed: list[str] = []
    keys = RecordStore.keys

    async def listing(self: RecordStore, collection: str) -> list[str]:
        listed.append(collection)
        return await keys(self, collection)

    monkeypatch.setattr(RecordStore, "keys", listing)
    assert not await Erasure.of(memory).erase(new_session_id())
    assert listed == []
    assert not await Erasure.of(memory).erase(new_session_id(), records_of_a_gone_one=True)
    assert AUDIT in listed


A, B = "A" * 32, "B" * 32


async def test_a_contact_keeps_each_conversations_words_and_loses_only_the_erased_ones(
    records: RecordStore,
) -> None:
    """One address from two conversations: the second used to overwrite the first's note, and
    erasing the second left its words (a phone number, a home address) in the contact."""
    owner = OwnerLoop(records)
    await owner.record_contact(A, "jane@example.com", note="about the CTO role")
    both, new = await owner.record_contact(B, "Jane@example.com", "Jane Doe", "my phone is +44 7700 900123")
    assert not new and (both.name, both.count, both.sessions) == ("Jane Doe", 2, [A, B])
    assert both.note == "about the CTO role\nmy phone is +44 7700 900123"

    await owner.forget_session(B, replies=0)

    [kept] = await owner.contacts()
    assert (kept.name, kept.note, kept.count, kept.sessions) == ("", "about the CTO role", 1, [A])
    stored = str([record.value for record in (await records.items(CONTACTS)).values()])
    assert "7700" not in stored and "Jane Doe" not in stored and B not in stored


async def test_a_contact_stored_before_conversations_kept_their_own_words_loses_them_with_its_latest(
    records: RecordStore,
) -> None:
    await records.update(
        CONTACTS,
        "c1",
        lambda _: {
            "id": "c1", "email": "old@example.com", "name": "Old Name", "note": "call me on 555",
            "count": 3, "sessions": [A, B], "first_seen": "2026-01-01T00:00:00Z",
            "last_seen": "2026-01-02T00:00:00Z",
        },
    )  # fmt: skip
    owner = OwnerLoop(records)
    await owner.forget_session(B, replies=0)
    [kept] = await owner.contacts()
    assert (kept.name, kept.note, kept.sessions) == ("", "", [A])


def test_delete_conversation_over_http_erases_the_records_too(settings: Settings) -> None:
    owner = OwnerLoop(file_memory(settings.storage.memory_dir).records)
    with TestClient(app=create_app(settings)) as client:
        chat = client.post("/chat", json={"message": "Please write to ada@example.com"})
        session_id = chat.json()["session_id"]
        vote = {"session_id": session_id, "reply": 1, "rating": "up", "comment": "from Ada"}
        assert client.post("/feedback", json=vote).status_code == 201
        assert len(asyncio.run(owner.contacts())) == len(asyncio.run(owner.feedback())) == 1
        assert client.delete(f"/conversation/{session_id}").status_code == 204
        assert client.delete(f"/conversation/{session_id}").status_code == 404
    assert asyncio.run(owner.contacts()) == [] and asyncio.run(owner.feedback()) == []


def delete_with_cli(settings: Settings, monkeypatch: pytest.MonkeyPatch, session_id: str) -> int:
    """`twin conversations delete` on the file memory of `settings`; its exit code."""
    monkeypatch.setenv("MEMORY_DIR", str(settings.storage.memory_dir))
    monkeypatch.delenv("USE_S3", raising=False)
    return main(["conversations", "delete", session_id])


def test_twin_conversations_delete_erases_the_records_too(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def visit() -> str:
        twin = twin_for(settings)
        try:
            return (await twin.engine.reply("Please write to grace@example.com", None)).session_id
        finally:
            await twin.close()

    assert delete_with_cli(settings, monkeypatch, asyncio.run(visit())) == 0
    assert "and what its visitor left" in capsys.readouterr().out
    assert asyncio.run(OwnerLoop(file_memory(settings.storage.memory_dir).records).contacts()) == []


def test_twin_conversations_delete_erases_what_a_gone_conversation_left(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: once the conversation itself was gone (expired, removed by hand), the command stopped
    at "no conversation" and the visitor's contact, question and vote stayed."""

    async def visit() -> str:
        twin = twin_for(settings)
        try:
            session_id = (await twin.engine.reply("Please write to grace@example.com", None)).session_id
            await twin.owner.record_question(session_id, "Do you sail?")
            await twin.owner.record_feedback(session_id, 1, "down", "Grace: wrong")
            await twin.memory.conversations.delete(session_id)  # gone before the visitor asked
            return session_id
        finally:
            await twin.close()

    assert delete_with_cli(settings, monkeypatch, asyncio.run(visit())) == 1
    assert "what that session left" in capsys.readouterr().err
    owner = OwnerLoop(file_memory(settings.storage.memory_dir).records)
    assert asyncio.run(owner.contacts()) == [] and asyncio.run(owner.questions()) == []
    assert asyncio.run(owner.feedback()) == []
