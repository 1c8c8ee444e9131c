"""The one store abstraction: JSON documents by key, compare-and-swap on opaque versions, namespaces.

A backend serves one medium (a directory, a bucket) and implements four primitives on full keys. Keys
are `/`-separated segments, each checked here before a backend turns it into a path or an object key;
callers validate their own ids first (session ids, record names), so this is the last line, not the
only one. `with_namespace(name)` gives a view whose keys all live under `name/`, sharing the backend's
client: conversations and records are two namespaces of one store.

Every failure of the medium (an OS error, an S3 error) is raised as `StoreUnavailable` by the
backend's one call wrapper; a lost race is `ConflictError`, which `update` handles.
"""

from __future__ import annotations

import abc
import copy
import random
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import ClassVar, Final, Literal, TypeVar

import anyio
import msgspec

from memory.errors import ConflictError, StoreError

T = TypeVar("T")

#: One key segment: a safe file and object name (no separators, never `.` or `..`, no leading dot).
_SEGMENT = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.=-]{0,127}$")

#: Reads in flight at once when many documents are read (listing, export, prune): one S3 GET each.
READ_CONCURRENCY = 16

#: Returned by an `update` change that finds nothing to do (the document stays as it is).
UNCHANGED: Final = object()

#: What an `update` change returns: new bytes, None (delete, or leave absent), or UNCHANGED.
Change = Callable[["Document | None", int], "bytes | object | None"]


class InvalidKey(StoreError):
    """A key that could not safely name a file or an object (it is never used as one)."""


class Document(msgspec.Struct, frozen=True):
    """A stored document's bytes with the opaque version (content hash or ETag) it was read at."""

    raw: bytes
    version: str


class Seen(msgspec.Struct, frozen=True):
    """A document as its caller last read or wrote it (None: known to be absent). `update` starts
    from it instead of reading the document again, and reads only after losing a race."""

    document: Document | None


def is_segment(name: str) -> bool:
    """Whether `name` is one safe key segment (what a listing may return)."""
    return _SEGMENT.fullmatch(name) is not None


def validate_key(key: str) -> str:
    """Return `key` unchanged if every segment is safe, else raise InvalidKey."""
    if not isinstance(key, str) or not all(map(is_segment, key.split("/"))):
        raise InvalidKey("storage key is malformed")
    return key


def namespace_of(name: str) -> str:
    """`a/b`, `/a/b/` and `a/b/` name one namespace, `a/b/`; empty is the store's root."""
    name = name.strip().strip("/")
    return validate_key(name) + "/" if name else ""


class Store(abc.ABC):
    """Async documents by key. Backends implement the four primitives; the rest is shared."""

    #: Name shown by /health and the CLI.
    kind: ClassVar[Literal["local", "s3"]]
    #: The namespace of this view (`""` or `name/`), prepended to every key.
    namespace: str = ""

    @abc.abstractmethod
    async def _get(self, key: str) -> Document | None:
        """Args: a validated full key. Returns: the document, or None when there is none."""

    @abc.abstractmethod
    async def _put(self, key: str, raw: bytes, expected_version: str | None) -> str:
        """Store `raw` if the stored version is still `expected_version` (None: must not exist).

        Returns: the new version. Raises: ConflictError if someone else wrote first.
        """

    @abc.abstractmethod
    async def _delete(self, key: str, expected_version: str | None) -> bool:
        """Delete, only if still at `expected_version` when one is given. Returns: whether it was."""

    @abc.abstractmethod
    async def _list(self, folder: str) -> list[str]:
        """Args: a full folder (`""` or `a/b/`). Returns: names (without `.json`) of the documents
        directly in it, in no particular order; names that are not valid segments are left out."""

    @property
    @abc.abstractmethod
    def location(self) -> str:
        """Where this view's documents live, as an owner would write it (CLI messages, logs)."""

    async def close(self) -> None:  # noqa: B027 - optional hook, the file backend holds nothing
        """Release clients and connections (once, on the root store: views share them)."""

    async def clean_leftovers(self) -> int:
        """Remove what interrupted writes left behind in the whole store (a file backend's temporary
        files hold visitors' words and emails). Returns: how many were removed."""
        return 0

    def with_namespace(self, name: str) -> Store:
        """A view of this store whose keys all live under `name/` (nested in this view's own)."""
        view = copy.copy(self)
        view.namespace = self.namespace + namespace_of(name)
        return view

    def _full(self, key: str) -> str:
        return self.namespace + validate_key(key)

    async def get(self, key: str) -> Document | None:
        """Returns: the document at `key` with its version, or None."""
        return await self._get(self._full(key))

    async def put(self, key: str, raw: bytes, *, expected_version: str | None = None) -> str:
        """Store `raw` if the document is still at `expected_version` (None: it must not exist yet).

        Returns: the new version. Raises: ConflictError if it changed (or exists).
        """
        return await self._put(self._full(key), raw, expected_version)

    async def delete(self, key: str, *, expected_version: str | None = None) -> bool:
        """Returns: True if the document existed (at `expected_version`, when given) and is now gone."""
        return await self._delete(self._full(key), expected_version)

    async def list(self, folder: str = "") -> list[str]:
        """Returns: the names of the documents directly in `folder` (`""`: this view's root), sorted."""
        return sorted(await self._list(self.namespace + namespace_of(folder)))

    async def update(
        self, key: str, change: Change, *, attempts: int, what: str, seen: Seen | None = None
    ) -> Document | None:
        """Read, apply `change`, write back if nobody wrote meanwhile; after a lost race, again.

        `change(current, attempt)` returns the new bytes, None to delete (or leave absent), or
        UNCHANGED; it runs again after a lost race, with the attempt's number (0 first). With `seen`,
        the first attempt starts from it without reading.
        Returns: what is stored afterwards (None if nothing). Raises: ConflictError after `attempts`
        lost races, naming `what`.
        """
        full = self._full(key)
        for attempt in range(attempts):
            current = seen.document if seen is not None and attempt == 0 else await self._get(full)
            new = change(current, attempt)
            try:
                if new is UNCHANGED:
                    return current
                if new is None:
                    if current is not None and not await self._delete(full, current.version):
                        raise ConflictError(f"{what} changed while it was being deleted")
                    return None
                assert isinstance(new, bytes)
                version = await self._put(full, new, None if current is None else current.version)
            except ConflictError:
                # Many writers on one hot document (a daily counter): spread the retries out a little.
                await anyio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
                continue
            return Document(new, version)
        raise ConflictError(f"too many concurrent writes to {what}; try again")


async def read_many(keys: Sequence[str], read: Callable[[str], Awaitable[T]]) -> list[T]:
    """`read` of every key, at most READ_CONCURRENCY at once, in the keys' order.

    A failed read is raised as itself (callers handle StoreError, not a group of them).
    """
    found: dict[int, T] = {}
    limiter = anyio.CapacityLimiter(READ_CONCURRENCY)

    async def one(index: int, key: str) -> None:
        async with limiter:
            found[index] = await read(key)

    try:
        async with anyio.create_task_group() as group:
            for index, key in enumerate(keys):
                group.start_soon(one, index, key)
    except BaseExceptionGroup as failed:
        raise _first_leaf(failed) from None
    return [found[index] for index in range(len(keys))]


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first


class OnStore:
    """Base of what is built on a store (conversations, records): it keeps the store (a namespace of
    it) and shows where it lives."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def kind(self) -> Literal["local", "s3"]:
        return self.store.kind

    @property
    def location(self) -> str:
        return self.store.location
