"""The file operations the file store is made of: reading, locking, and replacing documents durably.

They are the OS's own calls (`os.open`, `os.read`, `os.write`), not Python's buffered files, and a
folder is made only when a file cannot be created without it: half the system calls of pathlib's and
io's. Each call releases the GIL and must take it back, which under load means waiting for the event
loop's thread, so the calls a write makes set what it costs.

A document is replaced in three steps, each done for a whole batch of documents before the next
(`Staged`, `commit_staged`): its new bytes go to a temporary file beside it, every temporary file is
flushed to disk, then each is renamed over its document and the folders are flushed. A crash at any
point leaves each document's old bytes or its new ones, never a torn file.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path


def content_version(raw: bytes) -> str:
    """A document's version: a hash of its bytes, so any change is a new version."""
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


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


def version_of(path: Path) -> str | None:
    """The version of the document in `path`, or None if there is none."""
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


@dataclass
class Staged:
    """A document's new bytes in a temporary file beside it: open, not yet flushed nor in place."""

    index: int
    path: Path
    temporary: str
    fd: int | None
    placed: bool = False

    @classmethod
    def of(cls, index: int, path: Path, raw: bytes) -> Staged:
        """Write `raw` to a new temporary file beside `path` (the write at `index` of its batch)."""
        try:
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
        except FileNotFoundError:  # the first document in its folder
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
        staged = cls(index, path, temporary, fd)
        try:
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view) :]
        except BaseException:
            staged.discard()
            raise
        return staged

    def place(self) -> None:
        """Rename the (flushed) temporary file over the document."""
        self._close()
        os.replace(self.temporary, self.path)
        self.placed = True

    def discard(self) -> None:
        """Close the file and, unless it was placed, remove it."""
        self._close()
        if not self.placed:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.temporary)

    def _close(self) -> None:
        if self.fd is not None:
            fd, self.fd = self.fd, None
            os.close(fd)


def commit_staged(staged: Sequence[Staged]) -> dict[int, OSError | None]:
    """Flush the staged files, place each, then flush their folders so the renames are durable.

    Returns: per staged write's index, None once it is durable in place, or the OSError that kept it
    from being so (a failed flush befalls every write it was to make durable)."""
    try:
        _flush(staged)
    except OSError as exc:
        return {stage.index: exc for stage in staged}
    outcome: dict[int, OSError | None] = {}
    for stage in staged:
        try:
            stage.place()
            outcome[stage.index] = None
        except OSError as exc:
            outcome[stage.index] = exc
    for folder in {stage.path.parent for stage in staged}:
        try:
            fsync_dir(folder)
        except OSError as exc:
            for stage in staged:
                if stage.path.parent == folder and outcome[stage.index] is None:
                    outcome[stage.index] = exc
    return outcome


def _flush(staged: Sequence[Staged]) -> None:
    """Make the staged files' bytes durable: one `syncfs` per filesystem for a batch where Linux has
    it (a batch's files mostly share one folder, and one flush costs about what one fsync does), or
    an fsync per file."""
    open_files = [stage.fd for stage in staged if stage.fd is not None]
    syncfs = _syncfs() if len(open_files) > 1 else None
    if syncfs is not None:
        one_per_folder = {stage.path.parent: stage.fd for stage in staged if stage.fd is not None}
        for fd in {os.fstat(fd).st_dev: fd for fd in one_per_folder.values()}.values():
            syncfs(fd)
        return
    for fd in open_files:
        os.fsync(fd)


@functools.cache
def _syncfs() -> Callable[[int], None] | None:
    """Linux's `syncfs(fd)`, which flushes the filesystem holding `fd`; None elsewhere. Looked up at
    the first batch, so a process that never writes one (a Lambda cold start) never loads ctypes."""
    if sys.platform != "linux":
        return None
    import ctypes

    try:
        call = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None

    def syncfs(fd: int) -> None:
        if call(fd) != 0:
            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error))

    return syncfs


def fsync_dir(directory: Path) -> None:
    """Make a rename durable: fsync the directory entry as well as the file."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
