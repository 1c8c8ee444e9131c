"""File backend: one JSON document per session, replaced atomically, guarded by a lock file."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import anyio.to_thread
import msgspec

from memory.base import ConversationStore, Versioned
from memory.errors import ConflictError, StoreUnavailable
from memory.keys import is_session_id, validate_session_id
from memory.model import Conversation

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Conversation)


def content_version(raw: bytes) -> str:
    """A document's version: a hash of its bytes, so any change is a new version."""
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


@contextlib.contextmanager
def locked(lock_file: Path) -> Iterator[None]:
    """An exclusive flock on `lock_file` (created as needed): safe across threads and processes."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class FileStore(ConversationStore):
    """Conversations under `root` as `<session_id>.json`.

    Writes go to a temporary file that is fsynced and then `os.replace`d over the old one, so a
    crash leaves either the old or the new document, never a torn one. A per-session `flock`
    makes compare-and-swap safe across threads and processes.
    """

    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._locks = self.root / ".locks"

    @property
    def location(self) -> str:
        return str(self.root)

    def _path(self, session_id: str) -> Path:
        return self.root / f"{validate_session_id(session_id)}.json"

    def _locked(self, session_id: str) -> contextlib.AbstractContextManager[None]:
        return locked(self._locks / f"{session_id}.lock")

    def _read_sync(self, session_id: str) -> Versioned | None:
        try:
            raw = self._path(session_id).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreUnavailable("memory unavailable, try again") from exc
        try:
            conversation = _decoder.decode(raw)
        except msgspec.DecodeError as exc:
            raise StoreUnavailable(f"stored conversation {session_id} cannot be decoded") from exc
        return Versioned(conversation, content_version(raw))

    def _write_sync(self, conversation: Conversation, expected_version: str | None) -> str:
        path = self._path(conversation.session_id)
        raw = _encoder.encode(conversation)
        with self._locked(conversation.session_id):
            try:
                current = content_version(path.read_bytes())
            except FileNotFoundError:
                current = None
            if current != expected_version:
                raise ConflictError("conversation changed while it was being written")
            write_atomically(path, raw)
        return content_version(raw)

    def _remove_sync(self, session_id: str, expected_version: str | None) -> bool:
        path = self._path(session_id)
        with self._locked(session_id):
            # A writer killed mid-write leaves its temp file behind; it holds the visitor's words too.
            for leftover in self.root.glob(f".{session_id}.*.tmp"):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
            try:
                if expected_version is not None and content_version(path.read_bytes()) != expected_version:
                    return False
                path.unlink()
            except FileNotFoundError:
                return False
            fsync_dir(self.root)
            return True

    def _ids_sync(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return [p.stem for p in self.root.glob("*.json") if is_session_id(p.stem)]

    def _ensure_root(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    async def _read(self, session_id: str) -> Versioned | None:
        return await anyio.to_thread.run_sync(self._read_sync, session_id)

    async def _write(self, conversation: Conversation, expected_version: str | None) -> str:
        await anyio.to_thread.run_sync(self._ensure_root)
        return await anyio.to_thread.run_sync(self._write_sync, conversation, expected_version)

    async def _remove(self, session_id: str, expected_version: str | None = None) -> bool:
        return await anyio.to_thread.run_sync(self._remove_sync, session_id, expected_version)

    async def _session_ids(self) -> list[str]:
        return await anyio.to_thread.run_sync(self._ids_sync)


def write_atomically(path: Path, raw: bytes) -> None:
    """Replace `path` with `raw` so a crash leaves the old or the new bytes, never a torn file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
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
