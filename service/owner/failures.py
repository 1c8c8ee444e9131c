"""Turns that failed: a failed turn stores nothing in its conversation (a turn is whole or absent), so
the owner would never see it. The turn notes it here instead, in the background; the owner's room
flags the conversation and stats count failures per day.

`failures/<key>`: one record per session (the key is a hash of its id), with its newest failures.
"""

from __future__ import annotations

import logging
from datetime import datetime

import msgspec

from memory import RecordStore, StoreError
from memory.keys import session_hash
from memory.model import utc_now
from memory.records import digest_key

log = logging.getLogger("twin.owner")

FAILURES = "failures"
#: Failures remembered per session (the newest).
MAX_KEPT = 20


class Failure(msgspec.Struct, frozen=True, kw_only=True):
    at: datetime
    #: The error kind, as the turn log names it (`model_unavailable`, `memory_unavailable`, ...).
    error: str


class SessionFailures(msgspec.Struct, kw_only=True):
    session_id: str
    failures: list[Failure] = msgspec.field(default_factory=list)


def _key(session_id: str) -> str:
    return digest_key(f"failures:{session_id}")


class FailedTurns:
    """Notes failed turns per session; reads them back for the owner."""

    def __init__(self, records: RecordStore) -> None:
        self._records = records

    async def record(self, session_id: str, error: str) -> None:
        """Note a failure; never raises (the store may be what failed)."""
        failure = Failure(at=utc_now(), error=error)

        def apply(current: object) -> object:
            found = (
                msgspec.convert(current, SessionFailures)
                if current is not None
                else SessionFailures(session_id=session_id)
            )
            found.failures = [*found.failures, failure][-MAX_KEPT:]
            return msgspec.to_builtins(found)

        try:
            await self._records.update(FAILURES, _key(session_id), apply)
        except StoreError as exc:
            log.warning("failed turn not noted session=%s: %s", session_hash(session_id), type(exc).__name__)

    async def of(self, session_id: str) -> list[Failure]:
        found = await self._records.get(FAILURES, _key(session_id))
        return [] if found is None else msgspec.convert(found.value, SessionFailures).failures

    async def all(self) -> dict[str, list[Failure]]:
        """Every session's failures, by session id."""
        found = await self._records.values(FAILURES, SessionFailures)
        return {item.session_id: item.failures for item in found}

    async def forget(self, session_id: str) -> None:
        await self._records.delete(FAILURES, _key(session_id))

    async def prune(self, older_than: datetime) -> int:
        """Erase the failures of sessions whose newest failure is older than `older_than`."""
        erased = 0

        def old(failures: list[Failure]) -> bool:
            return bool(failures) and failures[-1].at < older_than

        def stale(value: object) -> bool:  # judged again as stored when it is deleted
            return old(msgspec.convert(value, SessionFailures).failures)

        for session_id, failures in (await self.all()).items():
            if old(failures) and await self._records.delete_if(FAILURES, _key(session_id), stale):
                erased += 1
        return erased
