"""When the owner last opened each conversation: the inbox's "unread" flag compares with these."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from memory import RecordStore

OWNER = "owner"
READS = "reads"


class ReadMarks:
    """When the owner last opened each conversation: one record, `owner/reads`."""

    def __init__(self, records: RecordStore) -> None:
        self._records = records

    async def all(self) -> dict[str, datetime]:
        found = await self._records.get(OWNER, READS)
        return {} if found is None else msgspec.convert(found.value, dict[str, datetime])

    async def mark(self, session_id: str, at: datetime) -> None:
        """Note that the owner read `session_id` up to `at`."""
        await self._records.update(
            OWNER, READS, lambda current: {**(current or {}), session_id: at.isoformat()}
        )

    async def prune(self, older_than: datetime) -> None:
        """Forget marks older than `older_than` (their conversations are pruned by then)."""

        def apply(current: Any) -> Any:
            marks = msgspec.convert(current or {}, dict[str, datetime])
            return {k: v.isoformat() for k, v in marks.items() if v >= older_than} or None

        await self._records.update(OWNER, READS, apply)

    async def forget(self, session_id: str) -> None:
        def apply(current: Any) -> Any:
            marks = {k: v for k, v in (current or {}).items() if k != session_id}
            return marks or None

        await self._records.update(OWNER, READS, apply)
