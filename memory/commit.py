"""Group commit: the writes that queue while one batch goes to disk go to disk together, in the next.

A durable write costs a trip to a worker thread and back and a flush to disk. When many turns end at
once, one trip and one flush per write were most of what a turn cost (docs/benchmarks.md, "turn
cost"). Here each event loop keeps one queue: a batch takes the writes waiting in it, one per key, in
one trip, and its store makes them durable with as few flushes as it can. Each write's caller is
answered with its own outcome only once its batch is on disk, as if it had written alone.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import anyio

#: The most writes in one batch: every write holds its document's lock and a file while it is staged.
MAX_BATCH = 64


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
    """The writes of one event loop waiting for a batch, and the task that drains them."""

    waiting: list[tuple[Write, asyncio.Future[str]]] = field(default_factory=list)
    drain: asyncio.Task[None] | None = None

    def next_batch(self) -> list[tuple[Write, asyncio.Future[str]]]:
        """The oldest waiting write of each key, up to MAX_BATCH; a key's later writes wait their turn."""
        batch: list[tuple[Write, asyncio.Future[str]]] = []
        later: list[tuple[Write, asyncio.Future[str]]] = []
        keys: set[str] = set()
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
        if queue.drain is None:
            queue.drain = loop.create_task(self._drain(queue))
        with anyio.CancelScope(shield=True):
            version = await done
        return version

    async def _drain(self, queue: _Queue) -> None:
        try:
            while queue.waiting:
                batch = queue.next_batch()
                try:
                    outcomes = await self._commit([write for write, _ in batch])
                except Exception as exc:
                    outcomes = [exc] * len(batch)
                except BaseException:  # the loop is closing: no caller may wait forever
                    for _, done in batch:
                        done.cancel()
                    raise
                for (_, done), outcome in zip(batch, outcomes, strict=True):
                    if done.done():  # its caller was cancelled by asyncio itself
                        continue
                    if isinstance(outcome, Exception):
                        done.set_exception(outcome)
                    else:
                        done.set_result(outcome)
        finally:
            queue.drain = None
            for _, done in queue.waiting:  # only when the drain itself was cancelled
                done.cancel()
            queue.waiting.clear()
