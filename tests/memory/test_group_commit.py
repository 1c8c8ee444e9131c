"""Group commit in the file store: writes that queue together go to disk together, and each is answered
as if it had been written alone (its own version, conflict or failure), across tasks and processes."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from memory import ConflictError, StoreUnavailable, disk
from memory.commit import IN_FLIGHT, Write
from memory.file import FileStore
from tests.conftest import REPO

WRITES = 40


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The keys of each batch the file stores commit, in order."""
    seen: list[list[str]] = []
    commit = FileStore._commit_sync

    def recording(self: FileStore, writes: Sequence[Write]) -> list[object]:
        seen.append([write.key for write in writes])
        return commit(self, writes)  # type: ignore[return-value]

    monkeypatch.setattr(FileStore, "_commit_sync", recording)
    return seen


def counter(n: int) -> bytes:
    return json.dumps({"n": n}).encode()


async def test_writes_made_together_are_committed_in_fewer_batches_and_all_land(
    tmp_path: Path, batches: list[list[str]]
) -> None:
    store = FileStore(tmp_path)
    keys = [f"docs/k{i}" for i in range(WRITES)]
    versions = await asyncio.gather(*(store.put(key, counter(i)) for i, key in enumerate(keys)))
    assert sorted(key for batch in batches for key in batch) == sorted(keys)
    assert len(batches) < WRITES  # one trip to the disk took many writes
    for i, (key, version) in enumerate(zip(keys, versions, strict=True)):
        found = await FileStore(tmp_path).get(key)  # a fresh store: what is on disk
        assert found is not None and found.raw == counter(i) and found.version == version
    assert not list(tmp_path.rglob(".*.tmp"))


async def test_one_flush_makes_a_batch_durable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where Linux's syncfs exists, a batch's files are flushed with one call, not one fsync each."""
    real = disk._syncfs()
    if real is None:
        pytest.skip("this system has no syncfs: each file is fsynced (the next test)")
    calls: list[int] = []

    def syncfs(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(disk, "_syncfs", lambda: syncfs)
    store = FileStore(tmp_path)
    await asyncio.gather(*(store.put(f"docs/k{i}", counter(i)) for i in range(WRITES)))
    assert 0 < len(calls) < WRITES


async def test_without_syncfs_each_file_is_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fsynced: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        fsynced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(disk, "_syncfs", lambda: None)
    monkeypatch.setattr(os, "fsync", fsync)
    store = FileStore(tmp_path)
    await asyncio.gather(*(store.put(f"docs/k{i}", counter(i)) for i in range(WRITES)))
    assert len(fsynced) >= WRITES + 1  # every file, then the folder
    assert all([(await store.get(f"docs/k{i}")) is not None for i in range(WRITES)])


def test_syncfs_raises_the_kernel_s_error() -> None:
    """The real call's error path: syncfs on a descriptor that is not open sets errno (EBADF)."""
    real = disk._syncfs()
    if real is None:
        pytest.skip("this system has no syncfs")
    with pytest.raises(OSError) as raised:
        real(-1)
    assert raised.value.errno == errno.EBADF


async def test_writes_to_one_document_are_never_in_one_batch_and_none_is_lost(
    tmp_path: Path, batches: list[list[str]]
) -> None:
    """Concurrent read-modify-writes of one counter: each batch holds it once, and every increment
    survives its compare-and-swap."""
    store = FileStore(tmp_path)
    await store.put("budget/today", counter(0))

    def increment(current: object, attempt: int) -> bytes:
        assert current is not None
        return counter(json.loads(current.raw)["n"] + 1)  # type: ignore[attr-defined]

    await asyncio.gather(
        *(store.update("budget/today", increment, attempts=200, what="t") for _ in range(25))
    )
    found = await store.get("budget/today")
    assert found is not None and json.loads(found.raw) == {"n": 25}
    assert all(len(batch) == len(set(batch)) for batch in batches)


async def test_each_write_in_a_batch_gets_its_own_outcome(tmp_path: Path, batches: list[list[str]]) -> None:
    store = FileStore(tmp_path)
    first = await store.put("docs/stale", counter(1))
    await store.put("docs/stale", counter(2), expected_version=first)
    (tmp_path / "docs" / "broken.json").mkdir(parents=True)  # unreadable: an OS error of its own
    batches.clear()
    outcomes = await asyncio.gather(
        store.put("docs/fresh", counter(1)),
        store.put("docs/stale", counter(3), expected_version=first),
        store.put("docs/broken", counter(1)),
        store.put("docs/other", counter(1)),
        return_exceptions=True,
    )
    assert len(batches) == 1 and len(batches[0]) == 4  # all four went to disk together
    assert isinstance(outcomes[0], str) and isinstance(outcomes[3], str)
    assert isinstance(outcomes[1], ConflictError)
    assert isinstance(outcomes[2], StoreUnavailable) and isinstance(outcomes[2].__cause__, OSError)
    stale = await store.get("docs/stale")
    assert stale is not None and stale.raw == counter(2)
    assert not list(tmp_path.rglob(".*.tmp"))


async def test_a_failed_flush_fails_its_batch_and_keeps_the_old_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileStore(tmp_path)
    versions = [await store.put(f"docs/k{i}", counter(0)) for i in range(5)]

    def failing_flush(staged: object) -> None:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(disk, "_flush", failing_flush)
    outcomes = await asyncio.gather(
        *(store.put(f"docs/k{i}", counter(1), expected_version=versions[i]) for i in range(5)),
        return_exceptions=True,
    )
    assert all(isinstance(outcome, StoreUnavailable) for outcome in outcomes)
    monkeypatch.undo()
    for i in range(5):
        found = await store.get(f"docs/k{i}")
        assert found is not None and found.raw == counter(0) and found.version == versions[i]
    assert not list(tmp_path.rglob(".*.tmp"))


async def test_a_cancelled_caller_s_write_is_still_made_and_the_queue_goes_on(tmp_path: Path) -> None:
    """As with a write in a worker thread of its own: cancelling the caller does not unmake it."""
    store = FileStore(tmp_path)
    cancelled = asyncio.create_task(store.put("docs/cancelled", counter(1)))
    others = [asyncio.create_task(store.put(f"docs/k{i}", counter(i))) for i in range(5)]
    await asyncio.sleep(0)  # every write is queued
    cancelled.cancel()
    await asyncio.gather(*others)
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    for _ in range(100):  # its batch finishes in its worker thread
        if await store.get("docs/cancelled") is not None:
            break
        await asyncio.sleep(0.01)
    assert await store.get("docs/cancelled") is not None
    assert await store.put("docs/after", counter(1))


async def test_a_write_queued_behind_a_batch_on_its_way_starts_the_next_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two batches may be on their way to disk at once; a third waits, and so does the next write of
    a document that is being written (it is answered by its own compare-and-swap afterwards)."""
    store = FileStore(tmp_path)
    before = await store.put("docs/a", counter(0))
    started: list[list[str]] = []
    release = threading.Event()
    commit = FileStore._commit_sync

    def held(self: FileStore, writes: Sequence[Write]) -> list[object]:
        started.append([write.key for write in writes])
        release.wait(timeout=10)
        return commit(self, writes)  # type: ignore[return-value]

    async def until_started(count: int) -> None:
        for _ in range(500):
            if len(started) >= count:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"{count} batches did not start: {started}")

    monkeypatch.setattr(FileStore, "_commit_sync", held)
    first = asyncio.create_task(store.put("docs/a", counter(1), expected_version=before))
    await until_started(1)
    again = asyncio.create_task(store.put("docs/a", counter(2), expected_version=before))
    other = asyncio.create_task(store.put("docs/b", counter(1)))
    await until_started(2)
    assert IN_FLIGHT == 2 and started == [["docs/a"], ["docs/b"]]  # `a` waits for its batch
    third = asyncio.create_task(store.put("docs/c", counter(1)))
    await asyncio.sleep(0.1)
    assert len(started) == 2  # no third batch while two are on their way
    release.set()
    assert isinstance(await first, str) and isinstance(await other, str) and isinstance(await third, str)
    with pytest.raises(ConflictError):
        await again
    assert sorted(key for batch in started[2:] for key in batch) == ["docs/a", "docs/c"]
    found = await store.get("docs/a")
    assert found is not None and found.raw == counter(1)


def test_one_store_serves_one_event_loop_after_another(tmp_path: Path) -> None:
    """Each event loop has its own queue (the CLI runs one loop per command)."""
    store = FileStore(tmp_path)
    for n in range(3):
        asyncio.run(store.put(f"docs/run{n}", counter(n)))
    assert sorted(path.stem for path in (tmp_path / "docs").glob("*.json")) == ["run0", "run1", "run2"]


INCREMENTER = r"""
import asyncio, json, sys
from pathlib import Path
from memory.file import FileStore

async def main(root, keys, rounds):
    store = FileStore(Path(root))
    def increment(current, attempt):
        return json.dumps({"n": json.loads(current.raw)["n"] + 1}).encode()
    await asyncio.gather(*(
        store.update(key, increment, attempts=1000, what=key) for _ in range(rounds) for key in keys
    ))

asyncio.run(main(sys.argv[1], sys.argv[2].split(","), int(sys.argv[3])))
"""


async def test_two_processes_committing_batches_of_the_same_documents_neither_deadlock_nor_lose(
    tmp_path: Path,
) -> None:
    """Each batch locks its documents in key order, so two processes' batches over the same keys
    (listed in opposite orders) cannot wait on each other in a cycle."""
    store = FileStore(tmp_path)
    keys = [f"counters/c{i}" for i in range(6)]
    for key in keys:
        await store.put(key, counter(0))
    rounds = 60
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", INCREMENTER, str(tmp_path), ",".join(order), str(rounds)], cwd=REPO
        )
        for order in (keys, keys[::-1])
    ]
    try:
        for writer in writers:
            assert writer.wait(timeout=60) == 0
    finally:
        for writer in writers:
            writer.kill()
            writer.wait()
    for key in keys:
        found = await store.get(key)
        assert found is not None and json.loads(found.raw) == {"n": 2 * rounds}
