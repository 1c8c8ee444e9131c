"""`twin notify ...`: owner notifications that could not be delivered yet (webhook, SNS)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from memory import Memory
from service.cli.memory import command, where_parser
from service.owner.notify import Notifier, send_digests
from service.owner.throttle import NotifyThrottle
from service.settings import Settings


def add_commands(subparsers: Any) -> None:
    where = where_parser(records=True)
    commands = subparsers.add_parser(
        "notify", help="notifications to the owner still waiting for delivery"
    ).add_subparsers(title="notify commands")
    listing = commands.add_parser("list", parents=[where], help="pending notifications, oldest first")
    listing.set_defaults(run=command(_list))
    retry = commands.add_parser(
        "retry", parents=[where], help="deliver pending notifications and past hours' digests now"
    )
    retry.set_defaults(run=command(_retry))


async def _list(args: argparse.Namespace, settings: Settings, memory: Memory) -> int:
    pending = await Notifier.from_settings(settings.notify, memory.records).pending()
    for n in pending:
        channels = ",".join(n.pending)
        print(f"{n.id[:12]}  {n.created:%Y-%m-%d %H:%M}  {n.kind:<8}  attempts={n.attempts}  via {channels}")
    print(f"{len(pending)} pending notification(s) in {memory.records.location}", file=sys.stderr)
    return 0


async def _retry(args: argparse.Namespace, settings: Settings, memory: Memory) -> int:
    notifier = Notifier.from_settings(settings.notify, memory.records)
    if not notifier.enabled:
        print(
            "twin: no channel configured (TWIN_NOTIFY_WEBHOOK_URL, TWIN_NOTIFY_SNS_TOPIC_ARN)",
            file=sys.stderr,
        )
        return 1
    digests = await send_digests(notifier, NotifyThrottle(memory.records, settings.notify))
    elsewhere = sorted({c for n in await notifier.pending() for c in n.pending} - set(notifier.channels))
    delivered, failed = await notifier.retry_pending()
    print(f"delivered {delivered}, still failing {failed}" + (f", digests sent {digests}" if digests else ""))
    if elsewhere:
        print(
            f"twin: kept for channels not configured here: {', '.join(elsewhere)} "
            "(the twin that queued them delivers them, or set them here)",
            file=sys.stderr,
        )
    return 0 if failed == 0 else 1
