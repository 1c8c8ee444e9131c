"""File backend: one JSON file per document, replaced atomically, guarded by a lock file.

A key `a/b` is the file `<root>/a/b.json`. Writes go to a temporary file that is fsynced and then
`os.replace`d over the old one, so a crash leaves either the old or the new document, never a torn
one; a per-document `flock` makes compare-and-swap safe across threads and processes.

Writes, deletes and listings run in a worker thread (`_run`): a write waits for two fsyncs. Reading one
document runs in the event loop (`_now`): a small file from the page cache takes microseconds, while a
hop to a worker thread and back costs more CPU than that and, under load, waits behind every other
request's work twice (docs/benchmarks.md, "turn cost"). Both are where an OS error becomes
`StoreUnavailable`.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import anyio.to_thread

from memory.errors import ConflictError, StoreUnavailable
from memory.store import Document, Store, is_segment

log = logging.getLogger("twin.memory")

T = TypeVar("T")

#: What a visitor reads when the medium fails; details go to the log only.
UNAVAILABLE = "memory unavailable, try again"
#: Lock files live here, mirroring the documents' keys, so listings never see them.
LOCKS = ".locks"


def content_version(raw: bytes) -> str:
    """A document's version: a hash of its bytes, so any change is a new version."""
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


class FileStore(Store):
    """Documents under `root`; see the module docstring for the layout and guarantees."""

    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

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
        return StoreUnavailable(UNAVAILABLE)

    async def _get(self, key: str) -> Document | None:
        return self._now(self._get_sync, key)

    async def _put(self, key: str, raw: bytes, expected_version: str | None) -> str:
        return await self._run(self._put_sync, key, raw, expected_version)

    async def _delete(self, key: str, expected_version: str | None) -> bool:
        return await self._run(self._delete_sync, key, expected_version)

    async def _list(self, folder: str) -> list[str]:
        return await self._run(self._list_sync, folder)

    def _get_sync(self, key: str) -> Document | None:
        raw = read_file(self._path(key))
        return None if raw is None else Document(raw, content_version(raw))

    def _put_sync(self, key: str, raw: bytes, expected_version: str | None) -> str:
        path = self._path(key)
        with self._locked(key):
            if _version_of(path) != expected_version:
                raise ConflictError("the document changed while it was being written")
            write_atomically(path, raw)
        return content_version(raw)

    def _delete_sync(self, key: str, expected_version: str | None) -> bool:
        path = self._path(key)
        if not path.parent.is_dir():
            return False
        with self._locked(key):
            # A writer killed mid-write leaves its temp file behind; it holds the visitor's words too.
            for leftover in path.parent.glob(f".{path.stem}.*.tmp"):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
            current = _version_of(path)
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


# The file operations below are the OS's own calls (`os.open`, `os.read`, `os.write`), not Python's
# buffered files, and a folder is made only when a file cannot be created without it: half the system
# calls of pathlib's and io's. Each call releases the GIL and must take it back, which under load means
# waiting for the event loop's thread, so the calls a write makes set what it costs.


def read_file(path: Path) -> bytes | None:
    """The file's bytes, or None if it does not exist."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        chunks = [os.read(fd, os.fstat(fd).st_size + 1)]
        while chunks[-1]:  # until the end of the file
            chunks.append(os.read(fd, 64 * 1024))
        return b"".join(chunks)
    finally:
        os.close(fd)


def _version_of(path: Path) -> str | None:
    raw = read_file(path)
    return None if raw is None else content_version(raw)


def _open_in_folder(path: Path, flags: int) -> int:
    """`os.open(path, flags)`, making the folders it needs the first time."""
    try:
        return os.open(path, flags, 0o666)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, flags, 0o666)


@contextlib.contextmanager
def locked(lock_file: Path) -> Iterator[None]:
    """An exclusive flock on `lock_file` (created as needed): safe across threads and processes.
    A lock file unlinked while this waited for it (its document was deleted) is taken anew."""
    while True:
        fd = _open_in_folder(lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                if _same_file(fd, lock_file):
                    yield
                    return
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


def write_atomically(path: Path, raw: bytes) -> None:
    """Replace `path` with `raw` so a crash leaves the old or the new bytes, never a torn file."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    except FileNotFoundError:  # the first document in its folder
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        try:
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    """Make a rename durable: fsync the directory entry as well as the file."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
