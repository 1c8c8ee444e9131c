"""The one store interface every backend implements, with optimistic concurrency built in."""

from __future__ import annotations

import abc
import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar, Literal

import anyio
import msgspec

from memory.errors import ConflictError, SessionNotFound
from memory.keys import validate_session_id
from memory.model import Conversation, ConversationSummary, Message, utc_now

#: How often `append` re-reads and re-applies a turn after losing a race before giving up.
DEFAULT_APPEND_ATTEMPTS = 32
#: Reads in flight at once when a whole store is read (listing, export, prune): one S3 GET each.
READ_CONCURRENCY = 16


class Versioned(msgspec.Struct, frozen=True):
    """A conversation with the opaque version (revision or ETag) it was read at."""

    conversation: Conversation
    version: str


class ConversationStore(abc.ABC):
    """Async conversation store. Backends implement the four primitives; `append` is shared.

    Every method validates the session id before it touches storage, so no raw client input
    ever becomes a path or an object key.
    """

    #: Name shown by /health and the CLI.
    kind: ClassVar[Literal["local", "s3"]]
    append_attempts: int = DEFAULT_APPEND_ATTEMPTS

    @abc.abstractmethod
    async def _read(self, session_id: str) -> Versioned | None:
        """Args: a validated session id. Returns: the conversation and its version, or None."""

    @abc.abstractmethod
    async def _write(self, conversation: Conversation, expected_version: str | None) -> str:
        """Store `conversation` if the stored version is still `expected_version`.

        Args: the full new document; None as version means "must not exist yet".
        Returns: the new version. Raises: ConflictError if someone else wrote first.
        """

    @abc.abstractmethod
    async def _remove(self, session_id: str, expected_version: str | None = None) -> bool:
        """Delete a conversation, only if it is still at `expected_version` when one is given.

        Args: a validated session id; the version read before deciding to delete (None: any).
        Returns: whether a conversation was deleted (False if absent or changed meanwhile).
        """

    @abc.abstractmethod
    async def _session_ids(self) -> list[str]:
        """Returns: the ids of every stored conversation, in no particular order."""

    @property
    def location(self) -> str:
        """Where the conversations live, as an owner would write it (CLI messages, logs)."""
        return self.kind

    async def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release clients and connections."""

    async def load(self, session_id: str) -> Versioned | None:
        """Args: a session id. Returns: the stored conversation with its version, or None."""
        return await self._read(validate_session_id(session_id))

    async def append(
        self, session_id: str, messages: Sequence[Message], *, create: bool = False
    ) -> Conversation:
        """Append whole messages to a conversation, re-applying them if another writer won a race.

        Args: the session id; the messages of one turn; `create` allows starting a new conversation.
        Returns: the stored conversation. Raises: SessionNotFound (unknown id and not `create`),
        ConflictError after `append_attempts` lost races.
        """
        validate_session_id(session_id)
        new = tuple(messages)
        attempted = False
        for _ in range(self.append_attempts):
            current = await self._read(session_id)
            if current is not None and (
                (attempted and _ends_with(current.conversation, new)) or _retried(current.conversation, new)
            ):
                # A write reported as lost (a timeout after the store committed) had in fact landed,
                # or a concurrent retry of the same message stored it first: applying the turn again
                # would store it twice.
                return current.conversation
            now = utc_now()
            if current is None:
                if not create:
                    raise SessionNotFound("session not found")
                updated = Conversation(session_id=session_id, started_at=now, updated_at=now, messages=new)
                expected = None
            else:
                updated = current.conversation.with_messages(new, now)
                expected = current.version
            attempted = True
            try:
                await self._write(updated, expected)
            except ConflictError:
                continue
            return updated
        raise ConflictError("too many concurrent writes to this conversation; try again")

    async def delete(self, session_id: str) -> bool:
        """Args: a session id. Returns: True if it existed and is now gone."""
        return await self._remove(validate_session_id(session_id))

    async def conversations(self) -> list[Conversation]:
        """Returns: every stored conversation, newest activity first (for owners' review and export)."""
        found = await self._read_all(await self._session_ids())
        return sorted((v.conversation for v in found), key=lambda c: c.updated_at, reverse=True)

    async def list(self) -> list[ConversationSummary]:
        """Returns: a summary of every conversation, newest activity first."""
        return [ConversationSummary.of(c) for c in await self.conversations()]

    async def prune(self, older_than: datetime) -> int:
        """Erase conversations whose last change is before `older_than` (the retention period).

        A conversation that a visitor continues while it is being pruned is kept: the delete is
        conditional on the version that was judged too old.
        Args: a timezone-aware cut-off. Returns: how many conversations were erased.
        """
        if older_than.tzinfo is None:
            raise ValueError("older_than must be timezone-aware")
        pruned = 0
        for found in await self._read_all(await self._session_ids()):
            if found.conversation.updated_at >= older_than:
                continue
            if await self._remove(found.conversation.session_id, found.version):
                pruned += 1
        return pruned

    async def _read_all(self, session_ids: Sequence[str]) -> builtins.list[Versioned]:
        """Read many conversations a few at a time (S3 round trips overlap); vanished ones are skipped."""
        found: builtins.list[Versioned] = []  # `list` is a method of this class
        limiter = anyio.CapacityLimiter(READ_CONCURRENCY)

        async def read(session_id: str) -> None:
            async with limiter:
                versioned = await self._read(session_id)
            if versioned is not None:
                found.append(versioned)

        async with anyio.create_task_group() as group:
            for session_id in session_ids:
                group.start_soon(read, session_id)
        return found


def _ends_with(conversation: Conversation, messages: tuple[Message, ...]) -> bool:
    return bool(messages) and conversation.messages[-len(messages) :] == messages


def _retried(conversation: Conversation, messages: tuple[Message, ...]) -> bool:
    """Whether a message of the turn carries an idempotency key the conversation already holds."""
    keys = {m.idempotency_key for m in messages if m.idempotency_key is not None}
    return bool(keys) and any(m.idempotency_key in keys for m in conversation.messages)
