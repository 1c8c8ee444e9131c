"""The file backend when the disk fails: every OS error is `StoreUnavailable`, and nothing is half-written.

A full disk is real here: a child process lowers its file-size limit (RLIMIT_FSIZE), so the kernel
refuses the write the store makes. A read-only directory cannot be made real for a test run as root
(root writes through permissions), so that test raises the error the kernel gives, EROFS, where
files are created and removed under the memory directory (`tests.support.faults`).
"""

from __future__ import annotations

import errno
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from memory import Message, StoreUnavailable, file_memory, new_session_id
from memory.disk import locked
from tests.conftest import REPO
from tests.support.faults import mount_read_only

FULL_DISK = r"""
import asyncio, resource, sys
from datetime import UTC, datetime
from pathlib import Path
from memory import Message, StoreUnavailable, file_memory

async def main(root, sid):
    store = file_memory(Path(root)).conversations
    resource.setrlimit(resource.RLIMIT_FSIZE, (2048, resource.RLIM_INFINITY))
    now = datetime.now(UTC)
    turn = (Message(role="user", content="x" * 4096, timestamp=now),
            Message(role="assistant", content="y", timestamp=now))
    try:
        await store.append(sid, turn)
    except StoreUnavailable as exc:
        print("StoreUnavailable", exc.__cause__.errno)
        return
    print("stored")

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def a_turn(text: str) -> tuple[Message, Message]:
    now = datetime.now(UTC)
    return Message(role="user", content=text, timestamp=now), Message(
        role="assistant", content="ok", timestamp=now
    )


async def test_a_full_disk_is_unavailable_and_keeps_the_stored_turns(tmp_path: Path) -> None:
    store = file_memory(tmp_path).conversations
    sid = new_session_id()
    await store.append(sid, a_turn("first"), create=True)
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(tmp_path), sid],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.stdout.split() == ["StoreUnavailable", str(errno.EFBIG)], done.stderr
    found = await store.load(sid)
    assert found is not None and [m.content for m in found.conversation.messages] == ["first", "ok"]
    assert not list(tmp_path.glob(".*.tmp"))  # the failed write left nothing behind


async def test_a_read_only_directory_is_unavailable_for_writes_and_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory = file_memory(tmp_path)
    sid = new_session_id()
    await memory.conversations.append(sid, a_turn("first"), create=True)
    await memory.records.put("contacts", "k1", {"n": 1})

    mount_read_only(tmp_path, monkeypatch)
    with pytest.raises(StoreUnavailable, match="memory unavailable"):
        await memory.conversations.append(sid, a_turn("second"))
    with pytest.raises(StoreUnavailable):
        await memory.records.update("contacts", "k1", lambda value: {"n": 2})
    found = await memory.conversations.load(sid)
    assert found is not None and found.conversation.turns == 1
    assert (await memory.records.get("contacts", "k1")).value == {"n": 1}  # type: ignore[union-attr]
    with pytest.raises(StoreUnavailable):
        await memory.conversations.delete(sid)
    assert await memory.conversations.load(sid) is not None


async def test_a_document_that_cannot_be_read_is_unavailable(tmp_path: Path) -> None:
    """Reads run in the event loop rather than a worker thread: an OS error there is still
    StoreUnavailable, and the other documents stay readable."""
    memory = file_memory(tmp_path)
    sid, other = new_session_id(), new_session_id()
    await memory.conversations.append(other, a_turn("hello"), create=True)
    (tmp_path / f"{sid}.json").mkdir()  # where the document's file should be
    await memory.records.put("contacts", "k1", {"n": 1})
    (tmp_path / "records" / "contacts" / "k2.json").mkdir()
    with pytest.raises(StoreUnavailable, match="memory unavailable"):
        await memory.conversations.load(sid)
    with pytest.raises(StoreUnavailable):
        await memory.records.get("contacts", "k2")
    assert (await memory.conversations.load(other)) is not None
    assert (await memory.records.get("contacts", "k1")).value == {"n": 1}  # type: ignore[union-attr]


async def test_a_memory_path_that_is_a_file_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the memory directory should be")
    memory = file_memory(blocker)
    with pytest.raises(StoreUnavailable):
        await memory.conversations.append(new_session_id(), a_turn("x"), create=True)
    with pytest.raises(StoreUnavailable):
        await memory.records.put("contacts", "k1", {})


async def test_erasing_a_conversation_leaves_no_file_named_after_it(tmp_path: Path) -> None:
    """Its lock file goes with it: the erased visitor's session id stays nowhere on disk."""
    memory = file_memory(tmp_path)
    sid, other = new_session_id(), new_session_id()
    for session in (sid, other):
        await memory.conversations.append(session, a_turn("hello"), create=True)
    assert await memory.conversations.delete(sid)
    assert not any(sid in str(path) for path in tmp_path.rglob("*"))
    assert await memory.conversations.delete(sid) is False  # and deleting it again creates none
    assert not any(sid in str(path) for path in tmp_path.rglob("*"))
    loaded = await memory.conversations.load(other)
    assert loaded is not None and loaded.conversation.turns == 1


def test_a_lock_waiter_whose_lock_file_was_removed_takes_the_lock_anew(tmp_path: Path) -> None:
    """B waits on the lock file A holds; A's delete removes it and C locks a new one: B must wait for
    C, not hold the old, unlinked file's lock beside it."""
    lock_file = tmp_path / "locks" / "key.lock"
    a_holds, unlinked, c_holds, release_c, b_in = (threading.Event() for _ in range(5))

    def a() -> None:
        with locked(lock_file):
            a_holds.set()
            time.sleep(0.2)  # B is waiting on this very file by now
            lock_file.unlink()
            unlinked.set()
            c_holds.wait(5)

    def b() -> None:
        a_holds.wait(5)
        with locked(lock_file):
            b_in.set()

    def c() -> None:
        unlinked.wait(5)
        with locked(lock_file):
            c_holds.set()
            release_c.wait(5)

    threads = [threading.Thread(target=f) for f in (a, b, c)]
    for thread in threads:
        thread.start()
    assert c_holds.wait(5)
    assert not b_in.wait(0.3)  # A has let go; B found its file unlinked and waits on C's
    release_c.set()
    assert b_in.wait(5)
    for thread in threads:
        thread.join(5)
