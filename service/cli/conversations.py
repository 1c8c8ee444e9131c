"""`twin conversations ...`: the owner reviews, exports, erases and prunes visitors' conversations.

The store is the one the settings choose (USE_S3, S3_BUCKET, S3_PREFIX, MEMORY_DIR); `--memory-dir`
or `--s3-bucket` override it, so the same commands work on a laptop's files and on a deployed bucket.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import msgspec

from memory import ConversationStore, SessionNotFound
from memory.model import Conversation
from service.cli.records_store import run_on_store
from service.settings import Settings

_FIRST_QUESTION_CHARS = 60
_encoder = msgspec.json.Encoder()


def add_commands(subparsers: Any) -> None:
    where = argparse.ArgumentParser(add_help=False)
    group = where.add_argument_group("store (default: the one the settings choose)")
    backend = group.add_mutually_exclusive_group()
    backend.add_argument("--memory-dir", type=Path, metavar="DIR", help="the file store in DIR")
    backend.add_argument("--s3-bucket", metavar="BUCKET", help="the S3 store in BUCKET")
    group.add_argument("--s3-prefix", metavar="PREFIX", help="key prefix in the bucket (default: S3_PREFIX)")

    commands = subparsers.add_parser(
        "conversations", help="review, export, erase and prune visitors' conversations"
    ).add_subparsers(title="conversations commands")

    listing = commands.add_parser(
        "list", parents=[where], help="newest first: id, started, turns, first question"
    )
    listing.set_defaults(run=_command(_list))

    show = commands.add_parser("show", parents=[where], help="one conversation, message by message")
    show.add_argument("session_id", metavar="ID")
    show.set_defaults(run=_command(_show))

    export = commands.add_parser("export", parents=[where], help="every conversation as JSON Lines")
    export.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE (default: stdout)")
    export.set_defaults(run=_command(_export))

    delete = commands.add_parser("delete", parents=[where], help="erase one conversation")
    delete.add_argument("session_id", metavar="ID")
    delete.set_defaults(run=_command(_delete))

    prune = commands.add_parser(
        "prune", parents=[where], help="erase conversations unchanged for longer than the retention period"
    )
    prune.add_argument(
        "--days", type=_positive_int, metavar="N", help="retention in days (default: TWIN_RETENTION_DAYS, 30)"
    )
    prune.add_argument("--dry-run", action="store_true", help="only list what would be erased")
    prune.set_defaults(run=_command(_prune))


Action = Callable[[argparse.Namespace, Settings, ConversationStore], Awaitable[int]]


def _command(action: Action) -> Callable[[argparse.Namespace], int]:
    """Pick the store, run `action` on it, close it; store failures name their cause for the owner."""

    def run(args: argparse.Namespace) -> int:
        settings = store_settings(Settings.from_env(), args.memory_dir, args.s3_bucket, args.s3_prefix)
        from service.app import build_store

        store = build_store(settings)
        return run_on_store(store, lambda: action(args, settings, store))

    return run


def store_settings(
    settings: Settings, memory_dir: Path | None, s3_bucket: str | None, s3_prefix: str | None
) -> Settings:
    """The settings with the command line's choice of store applied over them."""
    if memory_dir is not None:
        settings = msgspec.structs.replace(settings, use_s3=False, memory_dir=memory_dir)
    elif s3_bucket is not None:
        settings = msgspec.structs.replace(settings, use_s3=True, s3_bucket=s3_bucket)
    if s3_prefix is not None:
        settings = msgspec.structs.replace(settings, s3_prefix=s3_prefix)
    settings.validate()
    return settings


async def _list(args: argparse.Namespace, settings: Settings, store: ConversationStore) -> int:
    summaries = await store.list()
    if not summaries:
        print(f"no conversations in {store.location}", file=sys.stderr)
        return 0
    print(f"{'ID':<32}  {'STARTED (UTC)':<16}  {'UPDATED (UTC)':<16}  {'TURNS':>5}  FIRST QUESTION")
    for s in summaries:
        print(
            f"{s.session_id:<32}  {_when(s.started_at)}  {_when(s.updated_at)}  {s.turns:>5}  "
            f"{_one_line(s.first_question, _FIRST_QUESTION_CHARS)}"
        )
    print(f"{_count(len(summaries))} in {store.location}", file=sys.stderr)
    return 0


async def _show(args: argparse.Namespace, settings: Settings, store: ConversationStore) -> int:
    found = await store.load(args.session_id)
    if found is None:
        raise SessionNotFound(f"no conversation {args.session_id} in {store.location}")
    c = found.conversation
    print(f"session {c.session_id}")
    print(f"started {_when(c.started_at)} UTC, updated {_when(c.updated_at)} UTC, {c.turns} turns\n")
    for m in c.messages:
        print(f"[{m.timestamp.astimezone(UTC):%Y-%m-%d %H:%M:%S}] {m.role}: {m.content}")
    return 0


async def _export(args: argparse.Namespace, settings: Settings, store: ConversationStore) -> int:
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


async def _delete(args: argparse.Namespace, settings: Settings, store: ConversationStore) -> int:
    if not await store.delete(args.session_id):
        raise SessionNotFound(f"no conversation {args.session_id} in {store.location}")
    print(f"deleted {args.session_id}")
    return 0


async def _prune(args: argparse.Namespace, settings: Settings, store: ConversationStore) -> int:
    days = args.days or settings.retention_days
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
    erased = await _prune_records(settings, cutoff)
    print(f"erased {erased} visitor record(s) (contacts, questions, feedback, notifications) {since}")
    return 0


async def _prune_records(settings: Settings, cutoff: datetime) -> int:
    """Retention applies to what visitors left besides their conversations (emails included)."""
    from service.app import build_records
    from service.notify import Notifier
    from service.owner_loop import OwnerLoop

    records = build_records(settings)
    try:
        erased = await OwnerLoop(records).prune(cutoff)
        return erased + await Notifier(records, []).prune(cutoff)
    finally:
        await records.close()


def _count(n: int) -> str:
    return f"{n} conversation" if n == 1 else f"{n} conversations"


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M}"


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of days, got {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {number}")
    return number
