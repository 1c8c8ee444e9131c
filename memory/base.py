"""The one store interface every backend implements, with optimistic concurrency built in."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import ClassVar, Literal

import msgspec

from memory.errors import ConflictError, SessionNotFound
from memory.keys import validate_session_id
from memory.model import Conversation, ConversationSummary, Message, utc_now

#: How often `append` re-reads and re-applies a turn after losing a race before giving up.
DEFAULT_APPEND_ATTEMPTS = 32


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
    async def _remove(self, session_id: str) -> bool:
        """Args: a validated session id. Returns: whether a conversation was deleted."""

    @abc.abstractmethod
    async def _session_ids(self) -> list[str]:
        """Returns: the ids of every stored conversation, in no particular order."""

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
        for _ in range(self.append_attempts):
            current = await self._read(session_id)
            now = utc_now()
            if current is None:
                if not create:
                    raise SessionNotFound("session not found")
                updated = Conversation(session_id=session_id, started_at=now, updated_at=now, messages=new)
                expected = None
            else:
                updated = current.conversation.with_messages(new, now)
                expected = current.version
            try:
                await self._write(updated, expected)
            except ConflictError:
                continue
            return updated
        raise ConflictError("too many concurrent writes to this conversation; try again")

    async def delete(self, session_id: str) -> bool:
        """Args: a session id. Returns: True if it existed and is now gone."""
        return await self._remove(validate_session_id(session_id))

    async def list(self) -> list[ConversationSummary]:
        """Returns: a summary of every conversation, newest activity first."""
        summaries = []
        for session_id in await self._session_ids():
            found = await self._read(session_id)
            if found is not None:
                summaries.append(ConversationSummary.of(found.conversation))
        return sorted(summaries, key=lambda s: s.updated_at, reverse=True)
