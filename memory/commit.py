"""Group commit: the writes that queue while a batch goes to disk go to disk together, in the next.

A durable write costs a trip to a worker thread and back and a flush to disk. When many turns end at
once, one trip and one flush per write were most of what a turn cost (docs/benchmarks.md, "turn
cost"). Here each event loop keeps one queue: a batch takes the writes waiting in it, one per key, in
one trip, and its store makes them durable with as few flushes as it can. Two batches may be on their
way at once, so a write that comes while one is being flushed starts the next at once instead of
waiting for it; a key's next write waits for its batch. Each write's caller is answered with its own
outcome only once its batch is on disk, as if it had written alone.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import anyio

#: The most writes in one batch: every write holds its document's lock and a file while it is staged.
MAX_BATCH = 64
#: Batches of one event loop on their way to disk at once. With one, a write that queues behind a
#: batch waits for that batch's flush and then its own; a second costs one more trip and flush when
#: writes come one by one, and takes most of that wait away (docs/benchmarks.md, "turn cost").
IN_FLIGHT = 2


@dataclass(frozen=True, slots=True)
class Write:
    """One document's new bytes, to be written if its version is still `expected_version`."""

    key: str
    raw: bytes
    expected_version: str | None


#: Per write, in the batch's order: its new version, or the error that befell it alone.
Outcome = str | Exception
#: Commits one batch (in a worker thread); an error it raises befalls the whole batch.
Commit = Callable[[Sequence[Write]], Awaitable[list[Outcome]]]


@dataclass
class _Queue:
    """The writes of one event loop waiting for a batch, and the tasks that drain them."""

    waiting: list[tuple[Write, asyncio.Future[str]]] = field(default_factory=list)
    drains: set[asyncio.Task[None]] = field(default_factory=set)
    #: The keys of the batches on their way to disk.
    writing: set[str] = field(default_factory=set)

    def next_batch(self) -> list[tuple[Write, asyncio.Future[str]]]:
        """The oldest waiting write of each key not being written, up to MAX_BATCH; a key's later
        writes wait their turn."""
        batch: list[tuple[Write, asyncio.Future[str]]] = []
        later: list[tuple[Write, asyncio.Future[str]]] = []
        keys = set(self.writing)
        for entry in self.waiting:
            if entry[0].key in keys or len(batch) == MAX_BATCH:
                later.append(entry)
            else:
                keys.add(entry[0].key)
                batch.append(entry)
        self.waiting = later
        return batch


class GroupCommit:
    """Queues writes per event loop and commits them in batches through `commit`."""

    def __init__(self, commit: Commit) -> None:
        self._commit = commit
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = (
            weakref.WeakKeyDictionary()
        )

    async def write(self, write: Write) -> str:
        """The document's new version once `write` is durable; its ConflictError or StoreUnavailable.

        Like a write in a worker thread of its own, it is carried out even if its caller is cancelled
        meanwhile, and an anyio cancellation reaches the caller only after the write's outcome."""
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        done: asyncio.Future[str] = loop.create_future()
        queue.waiting.append((write, done))
        if len(queue.drains) < IN_FLIGHT:
            queue.drains.add(loop.create_task(self._drain(queue)))
        with anyio.CancelScope(shield=True):
            version = await done
        return version

    async def _drain(self, queue: _Queue) -> None:
        """Commit batches until none is left to start (what waits then is another drain's to take)."""
        try:
            while batch := queue.next_batch():
                keys = {write.key for write, _ in batch}
                queue.writing |= keys
                try:
                    outcomes = await self._commit([write for write, _ in batch])
                except Exception as exc:
                    outcomes = [exc] * len(batch)
                except BaseException:  # the loop is closing: no caller may wait forever
                    for _, done in batch:
                        done.cancel()
                    raise
                finally:
                    queue.writing -= keys
                for (_, done), outcome in zip(batch, outcomes, strict=True):
                    if done.done():  # its caller was cancelled by asyncio itself
                        continue
                    if isinstance(outcome, Exception):
                        done.set_exception(outcome)
                    else:
                        done.set_result(outcome)
        finally:
            queue.drains -= {asyncio.current_task()}
            if not queue.drains:  # writes left behind by the last drain: only when it was cancelled
                for _, done in queue.waiting:
                    done.cancel()
                queue.waiting.clear()
