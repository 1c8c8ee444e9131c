"""Records: small JSON documents in named collections, beside the conversations, on the same store.

The owner's loop (contacts, questions, answers, feedback, pending notifications) and the spend cap
keep their state here. A record is one JSON document addressed by `(collection, key)`; writes are
compare-and-swap on an opaque version, and `update` re-reads and re-applies a change after losing
a race, so concurrent writers (threads, processes, Lambdas) lose nothing.

Collection names and keys are validated before they become a path or an object key: callers derive
keys from hashes, dates or server-issued ids, never from raw client input.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

from memory.errors import StoreError, Undecodable
from memory.store import UNCHANGED, Document, OnStore, Seen, read_many

T = TypeVar("T")

log = logging.getLogger("twin.memory")

#: How often `update` re-reads and re-applies a change after losing a race before giving up.
DEFAULT_UPDATE_ATTEMPTS = 64

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


class RecordStore(OnStore):
    """Records in one namespace of a store: `(collection, key)` is the document `collection/key`.

    Every public method validates the collection and key before touching storage.
    """

    update_attempts: int = DEFAULT_UPDATE_ATTEMPTS

    async def get(self, collection: str, key: str) -> Record | None:
        """Returns: the decoded document with its version, or None."""
        return _decoded(await self.store.get(_key(collection, key)), collection, key)

    async def put(self, collection: str, key: str, value: Any, *, expected_version: str | None = None) -> str:
        """Store a JSON-encodable `value` if the record is still at `expected_version`.

        Args: `expected_version` None means the record must not exist yet.
        Returns: the new version. Raises: ConflictError if the record changed (or exists).
        """
        return await self.store.put(
            _key(collection, key), _encoder.encode(value), expected_version=expected_version
        )

    async def delete(self, collection: str, key: str, *, expected_version: str | None = None) -> bool:
        """Returns: True if the record existed (at `expected_version`, when given) and is now gone."""
        return await self.store.delete(_key(collection, key), expected_version=expected_version)

    async def delete_if(self, collection: str, key: str, stale: Callable[[Any], bool]) -> bool:
        """Delete the record if `stale(value)` holds for the version deleted (judged again after a
        lost race), so retention never erases what changed since it was listed. Returns: deleted."""
        deleted = False

        def apply(current: Document | None, attempt: int) -> bytes | object | None:
            nonlocal deleted
            found = _decoded(current, collection, key)
            deleted = found is not None and stale(found.value)
            return None if deleted else UNCHANGED

        await self.store.update(
            _key(collection, key), apply, attempts=self.update_attempts, what=f"record {collection}/{key}"
        )
        return deleted

    async def keys(self, collection: str) -> list[str]:
        """Returns: every key of `collection`, sorted."""
        return [k for k in await self.store.list(validate_collection(collection)) if is_record_key(k)]

    async def items(self, collection: str) -> dict[str, Record]:
        """Returns: every record of `collection` by key (records deleted meanwhile are skipped, and
        undecodable ones with a warning)."""
        keys = await self.keys(collection)
        found = await read_many(keys, lambda key: self._readable(collection, key))
        return {key: record for key, record in zip(keys, found, strict=True) if record is not None}

    async def values(self, collection: str, kind: type[T]) -> list[T]:
        """Every record of `collection` as `kind`; one whose value has another shape (edited by hand,
        or written by another version) is skipped with a warning, as an undecodable one is, so that
        the owner's listings, erasure and retention go on with the others."""
        found = []
        for key, record in (await self.items(collection)).items():
            try:
                found.append(msgspec.convert(record.value, kind))
            except msgspec.ValidationError as exc:
                log.warning("stored record %s/%s has another shape (%s): skipped", collection, key, exc)
        return found

    async def _readable(self, collection: str, key: str) -> Record | None:
        try:
            return await self.get(collection, key)
        except Undecodable:
            log.warning("stored record %s/%s cannot be decoded: skipped", collection, key)
            return None

    async def update(self, collection: str, key: str, fn: Callable[[Any | None], Any | None]) -> Any | None:
        """Apply `fn` to the current value (None when absent) and store its result, retrying on races.

        `fn` must be a pure function of its argument: it runs again after a lost race. Returning None
        deletes the record (or leaves it absent).
        Returns: the value stored (None if deleted). Raises: ConflictError after `update_attempts`.
        """
        return (await self.update_from(collection, key, fn, None))[0]

    async def update_from(
        self, collection: str, key: str, fn: Callable[[Any | None], Any | None], seen: Seen | None
    ) -> tuple[Any | None, Seen]:
        """`update`, starting from the record as the caller last saw it (no read unless it changed).

        Returns: the value stored and the record as now stored, to start the next update from.
        """

        def apply(current: Document | None, attempt: int) -> bytes | None:
            found = _decoded(current, collection, key)
            new = fn(None if found is None else found.value)
            return None if new is None else _encoder.encode(new)

        stored = await self.store.update(
            _key(collection, key),
            apply,
            attempts=self.update_attempts,
            what=f"record {collection}/{key}",
            seen=seen,
        )
        return (None if stored is None else msgspec.json.decode(stored.raw)), Seen(stored)


def _key(collection: str, key: str) -> str:
    return f"{validate_collection(collection)}/{validate_key(key)}"


def _decoded(document: Document | None, collection: str, key: str) -> Record | None:
    if document is None:
        return None
    try:
        return Record(msgspec.json.decode(document.raw), document.version)
    except msgspec.DecodeError as exc:
        raise Undecodable(f"stored record {collection}/{key} cannot be decoded") from exc
