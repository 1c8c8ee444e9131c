"""`twin conversations ...`: the owner reviews, exports, erases and prunes visitors' conversations.

The store is the one the settings choose; `--memory-dir` or `--s3-bucket` override it (see
`service.cli.memory`).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import msgspec

from memory import Memory, SessionNotFound
from memory.model import Conversation
from service.cli.memory import command, one_line, where_parser
from service.owner.audit import AuditTrail
from service.owner.erasure import Erasure
from service.owner.failures import FailedTurns
from service.owner.inbox import ReadMarks
from service.owner.loop import OwnerLoop
from service.owner.notify import Notifier
from service.settings import Settings

_FIRST_QUESTION_CHARS = 60
#: The owner's audit trail outlives conversations: it is pruned after a year, whatever the retention.
AUDIT_RETENTION = timedelta(days=365)
_encoder = msgspec.json.Encoder()


def add_commands(subparsers: Any) -> None:
    where = where_parser(conversations=True)

    commands = subparsers.add_parser(
        "conversations", help="review, export, erase and prune visitors' conversations"
    ).add_subparsers(title="conversations commands")

    listing = commands.add_parser(
        "list", parents=[where], help="newest first: id, started, turns, first question"
    )
    listing.set_defaults(run=command(_list, reads="conversations"))

    show = commands.add_parser("show", parents=[where], help="one conversation, message by message")
    show.add_argument("session_id", metavar="ID")
    show.set_defaults(run=command(_show, reads="conversations"))

    export = commands.add_parser("export", parents=[where], help="every conversation as JSON Lines")
    export.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE (default: stdout)")
    export.set_defaults(run=command(_export, reads="conversations"))

    delete = commands.add_parser("delete", parents=[where], help="erase one conversation")
    delete.add_argument("session_id", metavar="ID")
    delete.set_defaults(run=command(_delete, reads="conversations"))

    prune = commands.add_parser(
        "prune", parents=[where], help="erase conversations unchanged for longer than the retention period"
    )
    prune.add_argument(
        "--days", type=_positive_int, metavar="N", help="retention in days (default: TWIN_RETENTION_DAYS, 30)"
    )
    prune.add_argument("--dry-run", action="store_true", help="only list what would be erased")
    prune.set_defaults(run=command(_prune, reads="conversations"))


async def _list(args: argparse.Namespace, settings: Settings, memory: Memory) -> int:
    store = memory.conversations
    summaries = await store.list()
    if not summaries:
        print(f"no conversations in {store.location}", file=sys.stderr)
        return 0
    print(f"{'ID':<32}  {'STARTED (UTC)':<16}  {'UPDATED (UTC)':<16}  {'TURNS':>5}  FIRST QUESTION")
    for s in summaries:
        print(
            f"{s.session_id:<32}  {_when(s.started_at)}  {_when(s.updated_at)}  {s.turns:>5}  "
            f"{one_line(s.first_question, _FIRST_QUESTION_CHARS)}"
        )
    print(f"{_count(len(summaries))} in {store.location}", file=sys.stderr)
    return 0


async def _show(args: argparse.Namespace, settings: Settings, memory: Memory) -> int:
    store = memory.conversations
    found = await store.load(args.session_id)
    if found is None:
        raise SessionNotFound(f"no conversation {args.session_id} in {store.location}")
    c = found.conversation
    print(f"session {c.session_id}")
    print(f"started {_when(c.started_at)} UTC, updated {_when(c.updated_at)} UTC, {c.turns} turns\n")
    for m in c.messages:
        print(f"[{m.timestamp.astimezone(UTC):%Y-%m-%d %H:%M:%S}] {m.role}: {m.content}")
    return 0


async def _export(args: argparse.Namespace, settings: Settings, memory: Memory) -> int:
    store = memory.conversations
    conversations = await store.conversations()
    if args.output is None:
        _write_lines(conversations, sys.stdout)
    else:
        with args.output.open("w", encoding="utf-8") as out:
            _write_lines(conversations, out)
    target = args.output or "stdout"
    print(f"exported {_count(len(conversations))} from {store.location} to {target}", file=sys.stderr)
    return 0


def _write_lines(conversations: list[Conversation], out: TextIO) -> None:
    for conversation in conversations:
        out.write(_encoder.encode(conversation).decode())
        out.write("\n")


async def _delete(args: argparse.Namespace, settings: Settings, memory: Memory) -> int:
    store, records = memory.conversations, memory.records
    erasure = Erasure(store, FailedTurns(records), ReadMarks(records))  # as DELETE /conversation/{id}
    if not await erasure.erase(args.session_id):
        raise SessionNotFound(f"no conversation {args.session_id} in {store.location}")
    print(f"deleted {args.session_id}")
    return 0


async def _prune(args: argparse.Namespace, settings: Settings, memory: Memory) -> int:
    store = memory.conversations
    days = args.days or settings.storage.retention_days
    cutoff = datetime.now(UTC) - timedelta(days=days)
    since = f"not changed since {_when(cutoff)} UTC ({days} days)"
    if args.dry_run:
        old = [s for s in await store.list() if s.updated_at < cutoff]
        for s in old:
            print(f"{s.session_id}  updated {_when(s.updated_at)}  {s.turns} turns")
        print(f"would prune {_count(len(old))} {since}", file=sys.stderr)
        return 0
    pruned = await store.prune(cutoff)
    print(f"pruned {_count(pruned)} {since} from {store.location}")
    # Retention applies to what visitors left besides their conversations (emails included).
    records = memory.records
    erased = (
        await OwnerLoop(records).prune(cutoff)
        + await Notifier(records, []).prune(cutoff)
        + await FailedTurns(records).prune(cutoff)
    )
    await ReadMarks(records).prune(cutoff)
    print(
        f"erased {erased} visitor record(s) (contacts, questions, feedback, notifications, failed turns) "
        f"{since}"
    )
    audited = await AuditTrail(records).prune(datetime.now(UTC) - AUDIT_RETENTION)
    if audited:
        print(f"erased {audited} audit entries older than a year")
    return 0


def _count(n: int) -> str:
    return f"{n} conversation" if n == 1 else f"{n} conversations"


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M}"


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of days, got {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {number}")
    return number
