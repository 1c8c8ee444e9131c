"""Conversations on the store: one document per session, whole turns appended by compare-and-swap."""

from __future__ import annotations

import builtins
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

import msgspec

from memory.errors import SessionNotFound, Undecodable
from memory.keys import is_session_id, session_hash, validate_session_id
from memory.model import Conversation, ConversationSummary, Message, utc_now
from memory.store import UNCHANGED, Document, OnStore, Seen, read_many

log = logging.getLogger("twin.memory")

#: How often `append` re-reads and re-applies a turn after losing a race before giving up.
APPEND_ATTEMPTS = 32

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Conversation)


class Versioned(msgspec.Struct, frozen=True):
    """A conversation with the opaque version (revision or ETag) it was read at."""

    conversation: Conversation
    version: str
    #: The stored bytes it was decoded from (what `seen` hands back to `append`).
    raw: bytes = b""

    @property
    def seen(self) -> Seen:
        """The conversation as read, for `append(seen=...)`: its next write need not read it again."""
        return Seen(Document(self.raw, self.version))


class ConversationStore(OnStore):
    """Visitors' conversations in one namespace of a store (the key is the session id).

    Every method validates the session id before it touches storage, so no raw client input ever
    becomes a path or an object key.
    """

    async def load(self, session_id: str) -> Versioned | None:
        """Returns: the stored conversation with its version, or None."""
        return _decoded(await self.store.get(validate_session_id(session_id)), session_id)

    async def write(self, conversation: Conversation, *, expected_version: str | None) -> str:
        """Store a whole document if it is still at `expected_version` (None: new), for imports and
        tests. Returns: the new version. Raises: ConflictError."""
        key = validate_session_id(conversation.session_id)
        return await self.store.put(key, _encoder.encode(conversation), expected_version=expected_version)

    async def append(
        self,
        session_id: str,
        messages: Sequence[Message],
        *,
        create: bool = False,
        seen: Seen | None = None,
    ) -> Conversation:
        """Append whole messages to a conversation, re-applying them if another writer won a race.

        A turn whose idempotency key the conversation already holds is not stored again (a retry, or
        a write reported lost after it had landed): the conversation is returned as it is.
        Args: the session id; the messages of one turn; `create` allows starting a new conversation;
        `seen`, the conversation as the caller loaded it (`Seen(None)`: it found none), saves a read.
        Returns: the stored conversation. Raises: SessionNotFound (unknown id and not `create`),
        ConflictError after `APPEND_ATTEMPTS` lost races.
        """
        new = tuple(messages)

        def apply(current: Document | None, attempt: int) -> bytes | object:
            found = _decoded(current, session_id)
            if found is not None and (
                (attempt > 0 and _ends_with(found.conversation, new)) or _retried(found.conversation, new)
            ):
                return UNCHANGED
            now = utc_now()
            if found is None:
                if not create:
                    raise SessionNotFound("session not found")
                return _encoder.encode(
                    Conversation(session_id=session_id, started_at=now, updated_at=now, messages=new)
                )
            return _encoder.encode(found.conversation.with_messages(new, now))

        stored = await self.store.update(
            validate_session_id(session_id),
            apply,
            attempts=APPEND_ATTEMPTS,
            what="this conversation",
            seen=seen,
        )
        assert stored is not None
        return _decoder.decode(stored.raw)

    async def change(self, session_id: str, change: Callable[[Conversation], Conversation]) -> Conversation:
        """Apply `change` to the stored conversation and write the result if nobody wrote meanwhile;
        after a lost race it runs again on the new version (so it must be a pure function).

        `change` may raise to refuse; nothing is written then. Returns: the stored conversation.
        Raises: SessionNotFound, ConflictError after `APPEND_ATTEMPTS` lost races.
        """

        def apply(current: Document | None, attempt: int) -> bytes | object:
            found = _decoded(current, session_id)
            if found is None:
                raise SessionNotFound("session not found")
            changed = change(found.conversation)
            return UNCHANGED if changed == found.conversation else _encoder.encode(changed)

        stored = await self.store.update(
            validate_session_id(session_id), apply, attempts=APPEND_ATTEMPTS, what="this conversation"
        )
        assert stored is not None
        return _decoder.decode(stored.raw)

    async def delete(self, session_id: str, *, expected_version: str | None = None) -> bool:
        """Returns: True if it existed (at `expected_version`, when given) and is now gone."""
        return await self.store.delete(validate_session_id(session_id), expected_version=expected_version)

    async def conversations(self) -> list[Conversation]:
        """Returns: every stored conversation, newest activity first (for owners' review and export)."""
        found = await self._read_all()
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
        for found in await self._read_all():
            if found.conversation.updated_at >= older_than:
                continue
            if await self.delete(found.conversation.session_id, expected_version=found.version):
                pruned += 1
        return pruned

    async def session_ids(self) -> builtins.list[str]:
        """Returns: the session id of every stored conversation, sorted (nothing is read)."""
        return [name for name in await self.store.list() if is_session_id(name)]

    async def _read_all(self) -> builtins.list[Versioned]:
        """Every conversation, read a few at a time (S3 round trips overlap); vanished ones skipped,
        and undecodable ones too, with a warning (the review, the export and retention go on)."""
        return [v for v in await read_many(await self.session_ids(), self._readable) if v is not None]

    async def _readable(self, session_id: str) -> Versioned | None:
        try:
            return await self.load(session_id)
        except Undecodable:
            log.warning("stored conversation %s cannot be decoded: skipped", session_hash(session_id))
            return None


def _decoded(document: Document | None, session_id: str) -> Versioned | None:
    if document is None:
        return None
    try:
        return Versioned(_decoder.decode(document.raw), document.version, document.raw)
    except msgspec.DecodeError as exc:
        raise Undecodable(f"stored conversation {session_id} cannot be decoded") from exc


def _ends_with(conversation: Conversation, messages: tuple[Message, ...]) -> bool:
    return bool(messages) and conversation.messages[-len(messages) :] == messages


def _retried(conversation: Conversation, messages: tuple[Message, ...]) -> bool:
    """Whether a message of the turn carries an idempotency key the conversation already holds."""
    keys = {m.idempotency_key for m in messages if m.idempotency_key is not None}
    return bool(keys) and any(m.idempotency_key in keys for m in conversation.messages)
