"""What only the S3 backend must prove: its keys, its conditional headers, and every way S3 can fail."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import msgspec
import pytest

from memory import (
    ConflictError,
    Conversation,
    ConversationStore,
    StoreError,
    StoreUnavailable,
    new_session_id,
)
from memory import s3 as s3_module
from memory.open import Memory
from memory.s3 import UNAVAILABLE, S3Store
from memory.store import namespace_of
from tests.memory.test_conversations_contract import turn
from tests.support.moto_s3 import FAKE_CREDENTIALS, MotoS3Server


def on_s3(bucket: str, prefix: str = "", **options: Any) -> ConversationStore:
    """Conversations in an S3 store of their own (closed through `.store`)."""
    return ConversationStore(S3Store(bucket, prefix, **options))


@pytest.fixture
async def s3(moto_s3: MotoS3Server, s3_bucket: str) -> AsyncIterator[ConversationStore]:
    """Conversations on an S3 store that gives up quickly (one attempt), so failure tests stay fast."""
    store = on_s3(s3_bucket, "twin/", endpoint_url=moto_s3.endpoint, timeout_seconds=2, max_attempts=1)
    try:
        yield store
    finally:
        await store.store.close()


def objects(moto_s3: MotoS3Server, bucket: str) -> list[str]:
    listed = boto3.client("s3", endpoint_url=moto_s3.endpoint).list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listed.get("Contents", ()))


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


@pytest.mark.parametrize(
    ("given", "expected"),
    [("conversations/", "conversations/"), ("conversations", "conversations/"), ("", ""), ("/a/b", "a/b/")],
)
def test_prefix_is_a_folder_or_the_bucket_root(given: str, expected: str) -> None:
    assert namespace_of(given) == expected


async def test_one_object_per_session_under_the_prefix(
    s3: ConversationStore, moto_s3: MotoS3Server, s3_bucket: str
) -> None:
    sid = new_session_id()
    await s3.append(sid, turn(1), create=True)
    await s3.append(sid, turn(2))
    assert objects(moto_s3, s3_bucket) == [f"twin/{sid}.json"]


async def test_foreign_objects_under_the_prefix_are_not_listed(
    s3: ConversationStore, moto_s3: MotoS3Server, s3_bucket: str
) -> None:
    raw = boto3.client("s3", endpoint_url=moto_s3.endpoint)
    for key in ("twin/notes.txt", "twin/short.json", f"twin/nested/{new_session_id()}.json"):
        raw.put_object(Bucket=s3_bucket, Key=key, Body=b"{}")
    sid = new_session_id()
    await s3.append(sid, turn(1), create=True)
    assert [s.session_id for s in await s3.list()] == [sid]


async def test_creates_with_if_none_match_and_updates_with_if_match(s3: ConversationStore) -> None:
    sent: list[dict[str, str]] = []

    def record(request: Any, **_: Any) -> None:
        if request.method == "PUT":
            headers = request.headers.items()
            sent.append({k: _text(v) for k, v in headers if k.lower().startswith("if-")})

    s3.store.client.meta.events.register("before-send.s3.PutObject", record)
    sid = new_session_id()
    await s3.append(sid, turn(1), create=True)
    first = await s3.load(sid)
    await s3.append(sid, turn(2))
    assert first is not None
    assert sent == [{"If-None-Match": "*"}, {"If-Match": first.version}]


async def test_a_transient_5xx_is_retried_by_the_client(moto_s3: MotoS3Server, s3_bucket: str) -> None:
    store = on_s3(s3_bucket, endpoint_url=moto_s3.endpoint, max_attempts=3)
    sid = new_session_id()
    await store.append(sid, turn(1), create=True)
    moto_s3.fail(503, methods={"PUT"}, times=1)
    await store.append(sid, turn(2))
    loaded = await store.load(sid)
    assert loaded is not None and loaded.conversation.turns == 2
    await store.store.close()


async def test_a_write_stored_though_its_answer_was_lost_is_applied_once(
    moto_s3: MotoS3Server, s3_bucket: str
) -> None:
    """S3 stores the PUT, the answer is lost (5xx), the client's retry meets the write's own result
    (412): each change counts once, whether it creates, updates or changes a conversation."""
    store = S3Store(s3_bucket, endpoint_url=moto_s3.endpoint, max_attempts=3)
    memory = Memory.of(store, "conversations/", "records/")
    records, conversations = memory.records, memory.conversations
    moto_s3.fail(500, methods={"PUT"}, times=1, after_applying=True)
    await records.put("spend", "day", {"n": 1})  # a create (If-None-Match) whose answer was lost
    moto_s3.fail(500, methods={"PUT"}, times=1, after_applying=True)
    assert await records.update("spend", "day", lambda value: {"n": value["n"] + 1}) == {"n": 2}
    stored = await records.get("spend", "day")
    assert stored is not None and stored.value == {"n": 2}

    sid = new_session_id()
    await conversations.append(sid, turn(1), create=True)
    moto_s3.fail(500, methods={"PUT"}, times=1, after_applying=True)
    changed = await conversations.change(
        sid, lambda c: msgspec.structs.replace(c, messages=(*c.messages, *turn(2)))
    )
    assert changed.turns == 2
    loaded = await conversations.load(sid)
    assert loaded is not None and loaded.conversation.turns == 2
    await store.close()


async def test_a_conflict_after_a_retry_by_another_writer_is_still_a_conflict(
    moto_s3: MotoS3Server, s3_bucket: str
) -> None:
    """Only the write's own id makes a 412 after a retry a success: another writer's version is not."""
    store = S3Store(s3_bucket, endpoint_url=moto_s3.endpoint, max_attempts=3)
    version = await store.put("doc", b'{"n": 1}')
    await store.put("doc", b'{"n": 2}', expected_version=version)  # someone else wrote since
    moto_s3.fail(500, methods={"PUT"}, times=1)
    with pytest.raises(ConflictError):
        await store.put("doc", b'{"n": 3}', expected_version=version)
    got = await store.get("doc")
    assert got is not None and got.raw == b'{"n": 2}'
    await store.close()


async def test_a_persistent_5xx_is_retried_a_bounded_number_of_times(
    moto_s3: MotoS3Server, s3_bucket: str
) -> None:
    store = on_s3(s3_bucket, endpoint_url=moto_s3.endpoint, max_attempts=3)
    moto_s3.fail(503, methods={"PUT"})
    moto_s3.reset_counts()
    with pytest.raises(StoreUnavailable, match=UNAVAILABLE):
        await store.append(new_session_id(), turn(1), create=True)
    assert moto_s3.requests == {"GET": 1, "PUT": 3}  # one read, then three attempts at the write
    await store.store.close()


async def test_s3_failing_mid_conversation_is_unavailable_and_half_writes_nothing(
    s3: ConversationStore, moto_s3: MotoS3Server
) -> None:
    sid = new_session_id()
    await s3.append(sid, turn(1), create=True)
    moto_s3.fail(500, methods={"PUT"})
    with pytest.raises(StoreUnavailable, match=UNAVAILABLE):
        await s3.append(sid, turn(2))
    moto_s3.fail(503)
    with pytest.raises(StoreUnavailable, match=UNAVAILABLE):
        await s3.load(sid)
    moto_s3.clear_faults()
    loaded = await s3.load(sid)
    assert loaded is not None
    assert [m.content for m in loaded.conversation.messages] == ["question 1", "answer 1"]


async def test_endpoint_going_away_is_unavailable_and_the_stored_turns_survive(
    moto_s3: MotoS3Server, s3_bucket: str
) -> None:
    doomed = MotoS3Server().start()  # a second endpoint onto the same moto state, stopped mid-conversation
    store = on_s3(s3_bucket, endpoint_url=doomed.endpoint, timeout_seconds=2, max_attempts=2)
    sid = new_session_id()
    await store.append(sid, turn(1), create=True)
    doomed.stop()
    with pytest.raises(StoreUnavailable, match=UNAVAILABLE):
        await store.append(sid, turn(2))
    await store.store.close()

    survivor = on_s3(s3_bucket, endpoint_url=moto_s3.endpoint)
    loaded = await survivor.load(sid)
    assert loaded is not None and loaded.conversation.turns == 1
    await survivor.store.close()


async def test_slow_s3_times_out_as_unavailable(moto_s3: MotoS3Server, s3_bucket: str) -> None:
    store = on_s3(s3_bucket, endpoint_url=moto_s3.endpoint, timeout_seconds=0.3, max_attempts=1)
    moto_s3.fail(503, stall_seconds=30)  # held until the client gives up; released at teardown
    with pytest.raises(StoreUnavailable, match=UNAVAILABLE):
        await store.load(new_session_id())
    await store.store.close()


async def test_a_slow_s3_call_does_not_block_the_event_loop(moto_s3: MotoS3Server, s3_bucket: str) -> None:
    store = on_s3(s3_bucket, endpoint_url=moto_s3.endpoint, timeout_seconds=30, max_attempts=1)
    moto_s3.fail(503, stall_seconds=30)
    pending = asyncio.create_task(store.load(new_session_id()))
    # the loop must stay free while the GET is held on the server
    assert await asyncio.to_thread(moto_s3.stalled.wait, 10)
    assert not pending.done()
    moto_s3.clear_faults()  # the held GET now goes through to moto
    assert await pending is None
    await store.store.close()


async def test_missing_bucket_is_unavailable_not_an_empty_store(moto_s3: MotoS3Server) -> None:
    store = on_s3("twin-no-such-bucket", endpoint_url=moto_s3.endpoint, max_attempts=1)
    with pytest.raises(StoreUnavailable):
        await store.append(new_session_id(), turn(1), create=True)
    with pytest.raises(StoreUnavailable):
        await store.list()
    await store.store.close()


async def test_an_undecodable_object_names_the_session(
    s3: ConversationStore, moto_s3: MotoS3Server, s3_bucket: str
) -> None:
    sid = new_session_id()
    boto3.client("s3", endpoint_url=moto_s3.endpoint).put_object(
        Bucket=s3_bucket, Key=f"twin/{sid}.json", Body=b"{not json"
    )
    with pytest.raises(StoreUnavailable, match=sid):
        await s3.load(sid)


async def test_write_conditional_on_a_deleted_object_is_a_conflict(s3: ConversationStore) -> None:
    sid = new_session_id()
    await s3.append(sid, turn(1), create=True)
    read = await s3.load(sid)
    assert read is not None
    await s3.delete(sid)
    with pytest.raises(ConflictError):
        await s3.write(read.conversation, expected_version=read.version)


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"])
async def test_standard_endpoint_variables_select_the_endpoint(
    variable: str, moto_s3: MotoS3Server, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, moto_s3.endpoint)
    store = on_s3(s3_bucket)  # no endpoint_url: boto3 reads the variable itself
    sid = new_session_id()
    stored: Conversation = await store.append(sid, turn(1), create=True)
    assert stored.turns == 1
    assert store.store.client.meta.endpoint_url == moto_s3.endpoint
    await store.store.close()


def test_a_botocore_without_conditional_requests_is_refused_at_start(
    moto_s3: MotoS3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(s3_module.REQUIRED_PARAMETERS, "PutObject", ("IfMatch", "IfMatchTheMoon"))
    with pytest.raises(StoreError, match=r"PutObject IfMatchTheMoon.*botocore \d"):
        S3Store("twin-any-bucket", endpoint_url=moto_s3.endpoint)


class _Trickle(BaseHTTPRequestHandler):
    """An S3 endpoint that answers a GET's body a byte at a time, each byte within the read timeout."""

    sent = 0
    released = threading.Event()

    def log_message(self, *_args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "40")
        self.send_header("ETag", '"e"')
        self.end_headers()
        for _ in range(40):
            if _Trickle.released.wait(0.2):
                return
            self.wfile.write(b" ")
            self.wfile.flush()
            _Trickle.sent += 1


async def test_a_body_trickling_in_gives_up_at_the_calls_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore times each read, not the whole body: the store bounds the call as a whole (twice the
    timeout per attempt) and fails as unavailable long before the last byte."""
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    store = S3Store(
        "bucket", endpoint_url=f"http://127.0.0.1:{server.server_port}", timeout_seconds=0.5, max_attempts=1
    )
    try:
        with pytest.raises(StoreUnavailable, match=UNAVAILABLE):
            await store.get("doc")
        assert 0 < _Trickle.sent < 40  # it was answering, slowly, when the store gave up
    finally:
        _Trickle.released.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
