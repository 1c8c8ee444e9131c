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
from memory.file import FileStore
from memory.model import Conversation
from memory.secret import SharedSecret
from memory.seed import import_seed
from memory.store import Store
from service.cli.arguments import days
from service.cli.memory import command, where_parser
from service.owner.erasure import Erasure
from service.owner.retention import prune
from service.owner.safe_text import json_text, lines, one_line
from service.settings import MAX_RETENTION_DAYS, Settings

_FIRST_QUESTION_CHARS = 60
#: Printed before each further line of a message in `show`: the tool's own lines start with `[`.
_CONTINUED = "    | "
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

    delete = commands.add_parser(
        "delete",
        parents=[where],
        help="erase one conversation and what its visitor left (contact, questions, feedback)",
    )
    delete.add_argument("session_id", metavar="ID")
    delete.set_defaults(run=command(_delete, reads="conversations"))

    prune = commands.add_parser(
        "prune", parents=[where], help="erase conversations unchanged for longer than the retention period"
    )
    prune.add_argument(
        "--days",
        type=days(MAX_RETENTION_DAYS),
        metavar="N",
        help="retention in days (default: TWIN_RETENTION_DAYS, 30)",
    )
    prune.add_argument("--dry-run", action="store_true", help="only list what would be erased")
    prune.set_defaults(run=command(_prune, reads="conversations"))

    seed = commands.add_parser(
        "import-seed",
        help="import the seed project's memory into the store the settings choose (again: only what changed)",
    )
    source = seed.add_mutually_exclusive_group(required=True)
    source.add_argument("path", nargs="?", type=Path, metavar="PATH", help="the seed's memory directory")
    source.add_argument("--s3-bucket", metavar="BUCKET", help="the seed's memory bucket")
    seed.add_argument(
        "--s3-prefix", default="", metavar="PREFIX", help="where in the bucket (default: its root)"
    )
    seed.set_defaults(run=command(_import_seed, reads="conversations", chooses=False))


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
        first, *more = lines(m.content)
        print(f"[{m.timestamp.astimezone(UTC):%Y-%m-%d %H:%M:%S}] {m.role}: {first}")
        for line in more:  # a message's own lines, set off so they never pass for the tool's
            print(f"{_CONTINUED}{line}")
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
        out.write(json_text(_encoder.encode(conversation)))
        out.write("\n")


async def _delete(args: argparse.Namespace, settings: Settings, memory: Memory) -> int:
    store = memory.conversations
    erasure = Erasure.of(memory)  # as DELETE /conversation/{id}, and for a conversation gone already
    if not await erasure.erase(args.session_id, records_of_a_gone_one=True):
        raise SessionNotFound(
            f"no conversation {args.session_id} in {store.location}; what that session left in "
            f"{memory.records.location} is erased"
        )
    print(f"deleted {args.session_id} and what its visitor left in {memory.records.location}")
    return 0


async def _prune(args: argparse.Namespace, settings: Settings, memory: Memory) -> int:
    store = memory.conversations
    days = args.days or settings.storage.retention_days
    now = datetime.now(UTC)
    cutoff = now - timedelta(days=days)
    since = f"not changed since {_when(cutoff)} UTC ({days} days)"
    if args.dry_run:
        old = [s for s in await store.list() if s.updated_at < cutoff]
        for s in old:
            print(f"{s.session_id}  updated {_when(s.updated_at)}  {s.turns} turns")
        print(f"would prune {_count(len(old))} {since}", file=sys.stderr)
        return 0
    pruned = await prune(memory, cutoff, now)
    print(f"pruned {_count(pruned.conversations)} {since} from {store.location}")
    print(
        f"erased {pruned.records} visitor record(s) (contacts, questions, feedback, notifications, "
        f"failed turns) {since}"
    )
    if pruned.audit_entries:
        print(f"erased {pruned.audit_entries} audit entries older than a year")
    if pruned.leftovers:
        print(f"removed {pruned.leftovers} temporary file(s) left by interrupted writes")
    return 0


async def _import_seed(args: argparse.Namespace, settings: Settings, memory: Memory) -> int:
    if args.path is not None and not args.path.is_dir():
        print(f"twin: {args.path} is not a directory of seed memory files", file=sys.stderr)
        return 1
    source: Store
    if args.path is not None:
        source = FileStore(args.path)
    else:
        from memory.s3 import S3Store  # boto3 is only imported when S3 is in use

        source = S3Store(args.s3_bucket, args.s3_prefix, timeout_seconds=settings.storage.s3_timeout_seconds)
    try:
        secret = (await SharedSecret(memory.records).get()).key("seed-import")
        report = await import_seed(source, memory.conversations, memory.records, secret)
    finally:
        await source.close()
    print(f"read {report.files} file(s) from {source.location} into {memory.conversations.location}")
    for outcome, n in sorted(report.outcomes.items()):
        print(f"  {outcome}: {n}")
    for name, why in sorted(report.skipped.items()):
        print(f"  not imported: {one_line(name, 80)}.json ({why})")
    print(
        f"messages: {report.messages_imported} of {report.messages_read} imported "
        f"({_share(report.messages_imported, report.messages_read)}); kept verbatim with their "
        f"conversation: {report.kept_aside} not read as messages, {report.extra_fields} for fields "
        f"beside role, content and timestamp; {report.timestamps_guessed} without a readable timestamp"
    )
    print(
        f"text: {report.chars_imported} of {report.chars_read} characters imported "
        f"({_share(report.chars_imported, report.chars_read)})"
    )
    return 0


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "100%"


def _count(n: int) -> str:
    return f"{n} conversation" if n == 1 else f"{n} conversations"


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M}"
