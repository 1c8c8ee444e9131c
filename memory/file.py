"""File backend: one JSON file per document, replaced atomically, guarded by a lock file.

A key `a/b` is the file `<root>/a/b.json`. Writes go to a temporary file that is flushed to disk and
then `os.replace`d over the old one, so a crash leaves either the old or the new document, never a torn
one; a per-document `flock` makes compare-and-swap safe across threads and processes (memory.disk).

Writes are committed in groups (memory.commit): the writes that queue while a batch is on its way to
disk go together in the next (two batches at most at once), in one worker-thread trip and one flush.
Deletes and listings run in a worker thread each (`_run`). Reading one document runs in the event
loop (`_now`): a small file from the page cache takes microseconds, while a hop to a worker thread and
back costs more CPU than that and, under load, waits behind every other request's work twice
(docs/benchmarks.md, "turn cost"). Each is where an OS error becomes `StoreUnavailable`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import anyio.to_thread

from memory.commit import GroupCommit, Outcome, Write
from memory.disk import Staged, commit_staged, content_version, fsync_dir, locked, read_file, version_of
from memory.errors import ConflictError, StoreUnavailable
from memory.store import Document, Store, is_segment

log = logging.getLogger("twin.memory")

T = TypeVar("T")

#: What a visitor reads when the medium fails; details go to the log only.
UNAVAILABLE = "memory unavailable, try again"
#: Lock files live here, mirroring the documents' keys, so listings never see them.
LOCKS = ".locks"


class FileStore(Store):
    """Documents under `root`; see the module docstring for the layout and guarantees."""

    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        #: Shared by every namespace of this store (`with_namespace` copies the reference).
        self._commits = GroupCommit(self._commit)

    @property
    def location(self) -> str:
        return str(self.root / self.namespace)

    def _path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    async def _run(self, fn: Callable[..., T], *args: object) -> T:
        """Run one file operation in a worker thread; any OS failure is StoreUnavailable (logged)."""
        try:
            return await anyio.to_thread.run_sync(functools.partial(fn, *args))
        except OSError as exc:
            raise self._unavailable(exc) from exc

    def _now(self, fn: Callable[..., T], *args: object) -> T:
        """Run one quick file operation here, in the event loop; any OS failure is StoreUnavailable."""
        try:
            return fn(*args)
        except OSError as exc:
            raise self._unavailable(exc) from exc

    def _unavailable(self, exc: OSError) -> StoreUnavailable:
        log.warning("file store %s failed: %s (%s)", self.root, type(exc).__name__, exc.strerror)
        error = StoreUnavailable(UNAVAILABLE)
        error.__cause__ = exc
        return error

    async def _get(self, key: str) -> Document | None:
        return self._now(self._get_sync, key)

    async def _put(self, key: str, raw: bytes, expected_version: str | None) -> str:
        return await self._commits.write(Write(key, raw, expected_version))

    async def _commit(self, writes: Sequence[Write]) -> list[Outcome]:
        outcomes = await self._run(self._commit_sync, writes)
        return [self._unavailable(o) if isinstance(o, OSError) else o for o in outcomes]

    async def _delete(self, key: str, expected_version: str | None) -> bool:
        return await self._run(self._delete_sync, key, expected_version)

    async def _list(self, folder: str) -> list[str]:
        return await self._run(self._list_sync, folder)

    def _get_sync(self, key: str) -> Document | None:
        raw = read_file(self._path(key))
        return None if raw is None else Document(raw, content_version(raw))

    def _commit_sync(self, writes: Sequence[Write]) -> list[Outcome]:
        """Write a batch durably: lock each document (in key order, so no two processes' batches wait
        on each other in a cycle), check its version and stage its bytes in a temporary file; flush
        them all at once; rename each in place; flush the folders. An OS error in one document's
        steps befalls that write alone; one in a flush, the writes it was to make durable."""
        outcomes: dict[int, Outcome] = {}
        staged: list[Staged] = []
        with contextlib.ExitStack() as held:
            try:
                for i in sorted(range(len(writes)), key=lambda i: writes[i].key):
                    write, path = writes[i], self._path(writes[i].key)
                    try:
                        held.enter_context(self._locked(write.key))
                        if version_of(path) != write.expected_version:
                            outcomes[i] = ConflictError("the document changed while it was being written")
                        else:
                            staged.append(Staged.of(i, path, write.raw))
                    except OSError as exc:
                        outcomes[i] = exc
                for i, error in commit_staged(staged).items():
                    outcomes[i] = error or content_version(writes[i].raw)
            finally:
                for stage in staged:
                    stage.discard()
        return [outcomes[i] for i in range(len(writes))]

    def _delete_sync(self, key: str, expected_version: str | None) -> bool:
        path = self._path(key)
        if not path.parent.is_dir():
            return False
        with self._locked(key):
            # A writer killed mid-write leaves its temp file behind; it holds the visitor's words too.
            for leftover in path.parent.glob(f".{path.stem}.*.tmp"):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
            current = version_of(path)
            if current is not None and expected_version is not None and current != expected_version:
                return False
            if current is not None:
                path.unlink()
                fsync_dir(path.parent)
            # The lock file goes too: its name is the key (an erased visitor's session id). Whoever
            # waits on it finds it unlinked once it has the lock, and takes the lock anew.
            self._lock_file(key).unlink(missing_ok=True)
            return current is not None

    async def clean_leftovers(self) -> int:
        removed = await self._run(self._clean_sync)
        if removed:
            log.info("removed %d temporary file(s) left by interrupted writes in %s", removed, self.root)
        return removed

    def _clean_sync(self) -> int:
        """Each leftover is removed under its document's lock: a writer holds that lock for as long
        as its temporary file exists, so a write in progress is never disturbed."""
        removed = 0
        for leftover in self.root.rglob(".*.tmp"):
            relative = leftover.relative_to(self.root)
            stem = leftover.name[1:].rpartition(".")[0].rpartition(".")[0]  # .{stem}.{random}.tmp
            if relative.parts[0] == LOCKS or not is_segment(stem):
                continue
            key = "/".join([*relative.parts[:-1], stem])
            with self._locked(key), contextlib.suppress(FileNotFoundError):
                leftover.unlink()
                removed += 1
        return removed

    def _list_sync(self, folder: str) -> list[str]:
        directory = self.root / folder
        if not directory.is_dir():
            return []
        return [p.stem for p in directory.glob("*.json") if is_segment(p.stem)]

    def _locked(self, key: str) -> contextlib.AbstractContextManager[None]:
        return locked(self._lock_file(key))

    def _lock_file(self, key: str) -> Path:
        return self.root / LOCKS / f"{key}.lock"
