"""Records: small JSON documents in named collections, beside the conversations, on the same backends.

The owner's loop (contacts, questions, answers, feedback, pending notifications) and the spend cap
keep their state here. A record is one JSON document addressed by `(collection, key)`; writes are
compare-and-swap on an opaque version, and `update` re-reads and re-applies a change after losing
a race, so concurrent writers (threads, processes, Lambdas) lose nothing.

Collection names and keys are validated before they become a path or an object key: callers derive
keys from hashes, dates or server-issued ids, never from raw client input. The file backend is here;
the S3 one (`memory.s3.S3RecordStore`) shares its bucket code with the conversation store.
"""

from __future__ import annotations

import abc
import contextlib
import hashlib
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Literal

import anyio
import anyio.to_thread
import msgspec

from memory.errors import ConflictError, StoreError, StoreUnavailable
from memory.file import content_version, fsync_dir, locked, write_atomically

#: How often `update` re-reads and re-applies a change after losing a race before giving up.
DEFAULT_UPDATE_ATTEMPTS = 64
#: Reads in flight at once when a whole collection is read.
READ_CONCURRENCY = 16

_COLLECTION = re.compile(r"^[a-z][a-z0-9_-]{0,47}$")
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_=-]{0,127}$")

_encoder = msgspec.json.Encoder()


class InvalidRecordKey(StoreError):
    """A collection or key that could not safely name a file or object (never used as one)."""


def validate_collection(collection: str) -> str:
    """Return `collection` unchanged if it is a lower-case name, else raise InvalidRecordKey."""
    if not isinstance(collection, str) or _COLLECTION.fullmatch(collection) is None:
        raise InvalidRecordKey("record collection is malformed: expected lower-case letters, digits, - or _")
    return collection


def validate_key(key: str) -> str:
    """Return `key` unchanged if it is a safe record key, else raise InvalidRecordKey."""
    if not is_record_key(key):
        raise InvalidRecordKey("record key is malformed: expected up to 128 letters, digits, -, _ or =")
    return key


def is_record_key(key: str) -> bool:
    """Whether `key` has the shape of a record key (no dots, slashes or leading punctuation)."""
    return isinstance(key, str) and _KEY.fullmatch(key) is not None


def digest_key(text: str) -> str:
    """A stable record key for arbitrary text (an email, a question): 32 hex characters of its hash."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


class Record(msgspec.Struct, frozen=True):
    """A stored JSON document with the opaque version (hash or ETag) it was read at."""

    value: Any
    version: str


class RecordStore(abc.ABC):
    """Async record store. Backends implement four primitives; `update` is shared.

    Every public method validates the collection and key before touching storage.
    """

    kind: ClassVar[Literal["local", "s3"]]
    update_attempts: int = DEFAULT_UPDATE_ATTEMPTS

    @abc.abstractmethod
    async def _get(self, collection: str, key: str) -> tuple[bytes, str] | None:
        """Args: validated names. Returns: the raw document and its version, or None."""

    @abc.abstractmethod
    async def _put(self, collection: str, key: str, raw: bytes, expected_version: str | None) -> str:
        """Store `raw` if the stored version is still `expected_version` (None: must not exist).

        Returns: the new version. Raises: ConflictError if someone else wrote first.
        """

    @abc.abstractmethod
    async def _delete(self, collection: str, key: str, expected_version: str | None) -> bool:
        """Delete a record, only if still at `expected_version` when one is given.

        Returns: whether a record was deleted.
        """

    @abc.abstractmethod
    async def _keys(self, collection: str) -> list[str]:
        """Returns: the keys stored in a validated collection, in no particular order."""

    @property
    def location(self) -> str:
        """Where the records live, as an owner would write it."""
        return self.kind

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release clients and connections."""

    async def get(self, collection: str, key: str) -> Record | None:
        """Args: a collection and key. Returns: the decoded document with its version, or None."""
        found = await self._get(validate_collection(collection), validate_key(key))
        if found is None:
            return None
        raw, version = found
        try:
            value = msgspec.json.decode(raw)
        except msgspec.DecodeError as exc:
            raise StoreUnavailable(f"stored record {collection}/{key} cannot be decoded") from exc
        return Record(value, version)

    async def put(self, collection: str, key: str, value: Any, *, expected_version: str | None = None) -> str:
        """Store a JSON-encodable `value` if the record is still at `expected_version`.

        Args: `expected_version` None means the record must not exist yet.
        Returns: the new version. Raises: ConflictError if the record changed (or exists).
        """
        raw = _encoder.encode(value)
        return await self._put(validate_collection(collection), validate_key(key), raw, expected_version)

    async def delete(self, collection: str, key: str, *, expected_version: str | None = None) -> bool:
        """Returns: True if the record existed (at `expected_version`, when given) and is now gone."""
        return await self._delete(validate_collection(collection), validate_key(key), expected_version)

    async def keys(self, collection: str) -> list[str]:
        """Returns: every key of `collection`, sorted."""
        return sorted(await self._keys(validate_collection(collection)))

    async def items(self, collection: str) -> dict[str, Record]:
        """Returns: every record of `collection` by key (records deleted meanwhile are skipped)."""
        found: dict[str, Record] = {}
        limiter = anyio.CapacityLimiter(READ_CONCURRENCY)

        async def read(key: str) -> None:
            async with limiter:
                record = await self.get(collection, key)
            if record is not None:
                found[key] = record

        keys = await self.keys(collection)
        try:
            async with anyio.create_task_group() as group:
                for key in keys:
                    group.start_soon(read, key)
        except BaseExceptionGroup as failed:
            # Callers handle StoreError, not a group of them: raise the first failure as itself.
            raise _first_leaf(failed) from None
        return dict(sorted(found.items()))

    async def update(self, collection: str, key: str, fn: Callable[[Any | None], Any | None]) -> Any | None:
        """Apply `fn` to the current value (None when absent) and store its result, retrying on races.

        `fn` must be a pure function of its argument: it runs again after a lost race. Returning None
        deletes the record (or leaves it absent).
        Returns: the value stored (None if deleted). Raises: ConflictError after `update_attempts`.
        """
        validate_collection(collection)
        validate_key(key)
        for attempt in range(self.update_attempts):
            current = await self.get(collection, key)
            new = fn(None if current is None else current.value)
            try:
                if new is None:
                    if current is not None and not await self._delete(collection, key, current.version):
                        raise ConflictError("record changed while it was being deleted")
                    return None
                await self.put(
                    collection, key, new, expected_version=None if current is None else current.version
                )
            except ConflictError:
                # Many writers on one hot record (a daily counter): spread the retries out a little.
                await anyio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
                continue
            return new
        raise ConflictError(f"too many concurrent writes to record {collection}/{key}; try again")


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first


class FileRecordStore(RecordStore):
    """Records under `root` as `<collection>/<key>.json`, replaced atomically under a per-record flock."""

    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._locks = self.root / ".locks"

    @property
    def location(self) -> str:
        return str(self.root)

    def _path(self, collection: str, key: str) -> Path:
        return self.root / validate_collection(collection) / f"{validate_key(key)}.json"

    def _locked(self, collection: str, key: str) -> contextlib.AbstractContextManager[None]:
        return locked(self._locks / collection / f"{key}.lock")

    def _get_sync(self, collection: str, key: str) -> tuple[bytes, str] | None:
        try:
            raw = self._path(collection, key).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreUnavailable("memory unavailable, try again") from exc
        return raw, content_version(raw)

    def _put_sync(self, collection: str, key: str, raw: bytes, expected_version: str | None) -> str:
        path = self._path(collection, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._locked(collection, key):
                try:
                    current: str | None = content_version(path.read_bytes())
                except FileNotFoundError:
                    current = None
                if current != expected_version:
                    raise ConflictError("record changed while it was being written")
                write_atomically(path, raw)
        except OSError as exc:
            raise StoreUnavailable("memory unavailable, try again") from exc
        return content_version(raw)

    def _delete_sync(self, collection: str, key: str, expected_version: str | None) -> bool:
        path = self._path(collection, key)
        if not path.parent.is_dir():
            return False
        with self._locked(collection, key):
            try:
                if expected_version is not None and content_version(path.read_bytes()) != expected_version:
                    return False
                path.unlink()
            except FileNotFoundError:
                return False
            fsync_dir(path.parent)
            return True

    def _keys_sync(self, collection: str) -> list[str]:
        folder = self.root / collection
        if not folder.is_dir():
            return []
        return [p.stem for p in folder.glob("*.json") if is_record_key(p.stem)]

    async def _get(self, collection: str, key: str) -> tuple[bytes, str] | None:
        return await anyio.to_thread.run_sync(self._get_sync, collection, key)

    async def _put(self, collection: str, key: str, raw: bytes, expected_version: str | None) -> str:
        return await anyio.to_thread.run_sync(self._put_sync, collection, key, raw, expected_version)

    async def _delete(self, collection: str, key: str, expected_version: str | None) -> bool:
        return await anyio.to_thread.run_sync(self._delete_sync, collection, key, expected_version)

    async def _keys(self, collection: str) -> list[str]:
        return await anyio.to_thread.run_sync(self._keys_sync, collection)
