"""The conversations contract, run against every backend by the parametrised `store` fixture."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from memory import (
    ConflictError,
    Conversation,
    ConversationStore,
    InvalidSessionId,
    Message,
    ReplyTokens,
    SessionNotFound,
    StoreUnavailable,
    new_session_id,
)


def turn(n: int) -> tuple[Message, Message]:
    now = datetime.now(UTC)
    return (
        Message(role="user", content=f"question {n}", timestamp=now),
        Message(role="assistant", content=f"answer {n}", timestamp=now, usage=ReplyTokens(prompt_tokens=3)),
    )


async def test_unknown_session_loads_as_none(store: ConversationStore) -> None:
    assert await store.load(new_session_id()) is None


async def test_append_creates_then_extends_a_conversation(store: ConversationStore) -> None:
    sid = new_session_id()
    first = await store.append(sid, turn(1), create=True)
    assert first.turns == 1
    await store.append(sid, turn(2))
    loaded = await store.load(sid)
    assert loaded is not None
    assert [m.content for m in loaded.conversation.messages] == [
        "question 1",
        "answer 1",
        "question 2",
        "answer 2",
    ]
    assert loaded.conversation.messages[1].usage == ReplyTokens(prompt_tokens=3)
    assert loaded.conversation.started_at <= loaded.conversation.updated_at


async def test_a_turn_whose_idempotency_key_is_stored_is_not_stored_again(store: ConversationStore) -> None:
    sid, now = new_session_id(), datetime.now(UTC)

    def keyed(reply: str) -> tuple[Message, Message]:
        question = Message(role="user", content="q", timestamp=now, idempotency_key="k" * 16)
        return question, Message(role="assistant", content=reply, timestamp=datetime.now(UTC))

    await store.append(sid, keyed("first"), create=True)
    again = await store.append(sid, keyed("second"), create=True)  # a concurrent retry, generated anew
    assert [m.content for m in again.messages] == ["q", "first"]
    concurrent = await asyncio.gather(*(store.append(sid, keyed(str(n))) for n in range(4)))
    assert all(c.turns == 1 for c in concurrent)


async def test_append_to_unknown_session_without_create_is_not_found(store: ConversationStore) -> None:
    with pytest.raises(SessionNotFound):
        await store.append(new_session_id(), turn(1))


async def test_version_changes_on_every_write(store: ConversationStore) -> None:
    sid = new_session_id()
    await store.append(sid, turn(1), create=True)
    v1 = await store.load(sid)
    await store.append(sid, turn(2))
    v2 = await store.load(sid)
    assert v1 is not None and v2 is not None
    assert v1.version != v2.version


async def test_stale_write_is_a_conflict(store: ConversationStore) -> None:
    sid = new_session_id()
    await store.append(sid, turn(1), create=True)
    stale = await store.load(sid)
    assert stale is not None
    await store.append(sid, turn(2))
    with pytest.raises(ConflictError):
        await store.write(stale.conversation, expected_version=stale.version)
    with pytest.raises(ConflictError):
        await store.write(stale.conversation, expected_version=None)


@pytest.mark.parametrize(
    "bad", ["", "short", "../../etc/passwd", "a" * 31 + "/", "a" * 33, "x" * 31 + ".", "..%2F" * 7]
)
async def test_malformed_ids_are_rejected_before_touching_storage(store: ConversationStore, bad: str) -> None:
    with pytest.raises(InvalidSessionId):
        await store.load(bad)
    with pytest.raises(InvalidSessionId):
        await store.append(bad, turn(1), create=True)
    with pytest.raises(InvalidSessionId):
        await store.delete(bad)


async def test_delete_removes_and_reports_whether_it_existed(store: ConversationStore) -> None:
    sid = new_session_id()
    await store.append(sid, turn(1), create=True)
    assert await store.delete(sid) is True
    assert await store.load(sid) is None
    assert await store.delete(sid) is False


async def test_list_is_newest_first_with_first_question(store: ConversationStore) -> None:
    older, newer = new_session_id(), new_session_id()
    await store.append(older, turn(1), create=True)
    await store.append(newer, turn(7), create=True)
    summaries = await store.list()
    assert [s.session_id for s in summaries] == [newer, older]
    assert summaries[0].first_question == "question 7"
    assert summaries[0].turns == 1


async def test_concurrent_appends_to_one_session_lose_no_turn(store: ConversationStore) -> None:
    sid = new_session_id()
    await store.append(sid, turn(0), create=True)
    await asyncio.gather(*(store.append(sid, turn(n)) for n in range(1, 17)))
    loaded = await store.load(sid)
    assert loaded is not None
    questions = [m.content for m in loaded.conversation.messages if m.role == "user"]
    assert sorted(questions) == sorted(f"question {n}" for n in range(17))
    # each turn's two messages stay adjacent: no interleaving of halves
    pairs = list(zip(loaded.conversation.messages[::2], loaded.conversation.messages[1::2], strict=True))
    assert all(q.content.split()[1] == a.content.split()[1] for q, a in pairs)


async def test_conversations_are_returned_whole_newest_first(store: ConversationStore) -> None:
    older, newer = new_session_id(), new_session_id()
    await store.append(older, turn(1), create=True)
    await store.append(newer, turn(2), create=True)
    await store.append(newer, turn(3))
    conversations = await store.conversations()
    assert [c.session_id for c in conversations] == [newer, older]
    assert conversations[0].turns == 2


async def test_deleted_conversation_cannot_be_continued(store: ConversationStore) -> None:
    sid = new_session_id()
    await store.append(sid, turn(1), create=True)
    await store.delete(sid)
    with pytest.raises(SessionNotFound):
        await store.append(sid, turn(2))
    assert await store.list() == []


def aged(days: int) -> Conversation:
    then = datetime.now(UTC) - timedelta(days=days)
    return Conversation(session_id=new_session_id(), started_at=then, updated_at=then, messages=turn(days))


async def test_prune_erases_only_conversations_older_than_the_cutoff(store: ConversationStore) -> None:
    old, recent = aged(40), aged(5)
    for conversation in (old, recent):
        await store.write(conversation, expected_version=None)
    fresh = new_session_id()
    await store.append(fresh, turn(1), create=True)

    assert await store.prune(datetime.now(UTC) - timedelta(days=30)) == 1
    assert await store.load(old.session_id) is None
    assert {s.session_id for s in await store.list()} == {recent.session_id, fresh}
    assert await store.prune(datetime.now(UTC) - timedelta(days=30)) == 0


async def test_prune_keeps_a_conversation_continued_after_it_was_judged_old(store: ConversationStore) -> None:
    old = aged(40)
    await store.write(old, expected_version=None)
    judged = await store.load(old.session_id)
    assert judged is not None
    await store.append(old.session_id, turn(2))  # the visitor came back meanwhile
    assert await store.delete(old.session_id, expected_version=judged.version) is False
    loaded = await store.load(old.session_id)
    assert loaded is not None and loaded.conversation.turns == 2


async def test_one_undecodable_conversation_hides_only_itself(
    store: ConversationStore, caplog: pytest.LogCaptureFixture
) -> None:
    """A document damaged outside the store fails when read alone; listing, export and retention
    skip it with a warning and go on with the others."""
    old, recent = aged(40), aged(5)
    for conversation in (old, recent):
        await store.write(conversation, expected_version=None)
    damaged = new_session_id()
    await store.store.put(damaged, b'{"session_id": "truncated')
    with pytest.raises(StoreUnavailable, match=damaged):
        await store.load(damaged)
    assert {s.session_id for s in await store.list()} == {old.session_id, recent.session_id}
    assert await store.prune(datetime.now(UTC) - timedelta(days=30)) == 1
    assert [c.session_id for c in await store.conversations()] == [recent.session_id]
    assert "cannot be decoded: skipped" in caplog.text and damaged not in caplog.text
    assert await store.store.get(damaged) is not None  # kept as it is, for the owner to look at


async def test_prune_needs_an_aware_cutoff(store: ConversationStore) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.prune(datetime(2020, 1, 1))  # naive on purpose


async def test_a_write_reported_lost_but_stored_is_not_applied_twice(
    store: ConversationStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A timeout after the backend committed looks like a lost race; the turn must not be doubled."""
    sid = new_session_id()
    await store.append(sid, turn(1), create=True)
    real_put = store.store._put
    calls = 0

    async def put_then_report_conflict(key: str, raw: bytes, expected: str | None) -> str:
        nonlocal calls
        calls += 1
        version = await real_put(key, raw, expected)
        if calls == 1:
            raise ConflictError("the answer to a write that did land was lost")
        return version

    monkeypatch.setattr(store.store, "_put", put_then_report_conflict)
    await store.append(sid, turn(2))
    loaded = await store.load(sid)
    assert loaded is not None
    questions = [m.content for m in loaded.conversation.messages if m.role == "user"]
    assert questions == ["question 1", "question 2"]
    assert calls == 1


async def test_listing_reads_every_conversation_of_a_larger_store(store: ConversationStore) -> None:
    ids = [new_session_id() for _ in range(40)]  # more than are read at once
    await asyncio.gather(*(store.append(sid, turn(n), create=True) for n, sid in enumerate(ids)))
    summaries = await store.list()
    assert sorted(s.session_id for s in summaries) == sorted(ids)
    assert [s.updated_at for s in summaries] == sorted((s.updated_at for s in summaries), reverse=True)


def test_issued_session_ids_never_look_like_command_line_options() -> None:
    from memory import new_session_id, validate_session_id

    ids = [new_session_id() for _ in range(5000)]
    assert not any(session_id.startswith("-") for session_id in ids)
    assert all(validate_session_id(session_id) == session_id for session_id in ids)
    assert len(set(ids)) == len(ids)
