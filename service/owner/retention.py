"""Retention: what visitors left is erased once it has not changed for the retention period.

One pass, the same wherever it runs: `twin conversations prune`, and on AWS the stack's daily schedule
(`service.lambda_handler`). Conversations go first, then what visitors left besides them (contacts,
questions, feedback, notifications, failed turns, the owner's read marks), then audit entries older
than a year (the entries kept name an erased conversation by a hash of its id), then temporary files
that interrupted writes left behind. Every erasure is conditional on the version judged too old, so a
visitor who comes back meanwhile keeps what they renewed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from memory import Memory
from service.owner.audit import AuditTrail
from service.owner.failures import FailedTurns
from service.owner.loop import OwnerLoop
from service.owner.notify import Notifier
from service.owner.read_marks import ReadMarks

#: The owner's audit trail outlives conversations: it is pruned after a year, whatever the retention.
AUDIT_RETENTION = timedelta(days=365)


@dataclass(frozen=True)
class Pruned:
    """How much one pass erased."""

    conversations: int
    #: Contacts, questions, feedback, notifications and failed turns.
    records: int
    audit_entries: int
    #: Temporary files of interrupted writes (the file store's only).
    leftovers: int


async def prune(memory: Memory, older_than: datetime, now: datetime) -> Pruned:
    """Erase what has not changed since `older_than` (timezone-aware), and audit entries a year
    older than `now`."""
    conversations = await memory.conversations.prune(older_than)
    records = memory.records
    erased = (
        await OwnerLoop(records).prune(older_than)
        + await Notifier(records, []).prune(older_than)
        + await FailedTurns(records).prune(older_than)
    )
    await ReadMarks(records).prune(older_than)
    audit = AuditTrail(records)
    audited = await audit.prune(now - AUDIT_RETENTION)
    await audit.forget_gone(memory.conversations.session_ids)  # no erased conversation's id stays
    leftovers = await memory.store.clean_leftovers()
    return Pruned(conversations=conversations, records=erased, audit_entries=audited, leftovers=leftovers)
