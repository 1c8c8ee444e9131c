"""The audit trail of the owner's actions (sign-ins, answers, deletions, stepping in, instruction edits),
kept with the records and shown in the owner's room.

`audit/<key>`: one record per action; keys start with the time, so a listing in key order is a
listing in time order and the newest entries are read without reading the rest.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime
from typing import Any, Literal

import msgspec

from memory import RecordStore, StoreError
from memory.keys import is_session_id, session_hash
from memory.model import utc_now
from memory.store import read_many

log = logging.getLogger("twin.owner")

AUDIT = "audit"
#: Entries the room shows (the newest).
SHOWN = 200

Action = Literal[
    "sign_in",
    "sign_in_refused",
    "sign_out",
    "answer",
    "dismiss",
    "delete",
    "join",
    "leave",
    "instructions",
]


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One owner action. `target` names what it touched (a question id, a conversation, ...)."""

    id: str
    at: datetime
    action: Action
    target: str = ""
    detail: str = ""
    #: The address the request came from (the owner's own, or an intruder's).
    ip: str = ""


class AuditTrail:
    """Writes and lists the owner's actions."""

    def __init__(self, records: RecordStore) -> None:
        self._records = records

    async def record(self, action: Action, *, target: str = "", detail: str = "", ip: str = "") -> None:
        """Add an entry. A store failure is logged, never raised: the action itself already happened."""
        now = utc_now()
        entry = AuditEntry(
            id=f"{now:%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}",
            at=now,
            action=action,
            target=target,
            detail=detail[:300],
            ip=ip,
        )
        try:
            await self._records.put(AUDIT, entry.id, msgspec.to_builtins(entry))
        except StoreError as exc:
            log.warning("audit entry %s not written: %s", action, type(exc).__name__)

    async def recent(self, limit: int = SHOWN) -> list[AuditEntry]:
        """The newest `limit` entries, newest first."""
        keys = (await self._records.keys(AUDIT))[-limit:]
        found = await read_many(keys[::-1], lambda key: self._records.get(AUDIT, key))
        return [msgspec.convert(record.value, AuditEntry) for record in found if record is not None]

    async def forget_session(self, session_id: str) -> int:
        """Name an erased conversation by a hash of its id in the entries that named it (stepping in
        and out), as its deletion's entry does: no id of an erased conversation stays behind.
        Returns: the entries renamed."""
        return await self._rename(await self._naming(lambda target: target == session_id))

    async def forget_gone(self, remaining: Callable[[], Awaitable[Collection[str]]]) -> int:
        """The same for every conversation the entries name that no longer exists (retention erased
        it). `remaining` lists the conversations that do; it is asked after the entries are read, so
        one begun meanwhile is never taken for a gone one. Returns: the entries renamed."""
        named = await self._naming(is_session_id)
        kept = set(await remaining())
        return await self._rename({key: target for key, target in named.items() if target not in kept})

    async def _naming(self, wanted: Callable[[str], bool]) -> dict[str, str]:
        """The entries whose target is a conversation's id that `wanted` accepts: key -> that id."""
        keys = await self._records.keys(AUDIT)
        found = await read_many(keys, lambda key: self._records.get(AUDIT, key))
        targets = {key: _target(record.value) for key, record in zip(keys, found, strict=True) if record}
        return {key: target for key, target in targets.items() if target and wanted(target)}

    async def _rename(self, named: dict[str, str]) -> int:
        for key, session_id in named.items():
            hashed = conversation_target(session_id)

            def renamed(value: Any, session_id: str = session_id, hashed: str = hashed) -> Any:
                return {**value, "target": hashed} if _target(value) == session_id else value

            await self._records.update(AUDIT, key, renamed)
        return len(named)

    async def prune(self, older_than: datetime) -> int:
        """Erase entries older than `older_than` (their keys say when, so nothing else is read)."""
        cutoff = f"{older_than:%Y%m%dT%H%M%S%f}"
        erased = 0
        for key in await self._records.keys(AUDIT):
            if key < cutoff and await self._records.delete(AUDIT, key):
                erased += 1
        return erased


def conversation_target(session_id: str) -> str:
    """How the trail names a conversation that may be erased: by a hash of its id."""
    return f"conversation {session_hash(session_id)}"


def _target(value: Any) -> str:
    target = value.get("target") if isinstance(value, dict) else None
    return target if isinstance(target, str) else ""
