"""`twin leads ...`: visitors who left an email to be contacted. Personal data: handle with care."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from memory import Memory
from service.cli.memory import command, where_parser
from service.owner.leads import write_leads
from service.owner.loop import OwnerLoop
from service.owner.safe_text import one_line
from service.settings import Settings


def add_commands(subparsers: Any) -> None:
    where = where_parser(records=True)
    commands = subparsers.add_parser("leads", help="visitors who want to get in touch").add_subparsers(
        title="leads commands"
    )
    listing = commands.add_parser("list", parents=[where], help="newest first: email, name, times, note")
    listing.set_defaults(run=command(_list))
    export = commands.add_parser("export", parents=[where], help="every contact as CSV or JSON Lines")
    export.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE (default: stdout)")
    export.add_argument("--format", choices=("csv", "jsonl"), default="csv", help="default: csv")
    export.set_defaults(run=command(_export))


async def _list(args: argparse.Namespace, settings: Settings, memory: Memory) -> int:
    owner = OwnerLoop(memory.records)
    contacts = await owner.contacts()
    if not contacts:
        print(f"no contacts in {memory.records.location}", file=sys.stderr)
        return 0
    print(f"{'EMAIL':<32}  {'NAME':<20}  {'TIMES':>5}  {'LAST SEEN (UTC)':<16}  NOTE")
    for c in contacts:
        print(
            f"{one_line(c.email, 32):<32}  {one_line(c.name, 20):<20}  {c.count:>5}  "
            f"{c.last_seen:%Y-%m-%d %H:%M}  {one_line(c.note, 60)}"
        )
    print(f"{len(contacts)} contact(s) in {memory.records.location}", file=sys.stderr)
    return 0


async def _export(args: argparse.Namespace, settings: Settings, memory: Memory) -> int:
    owner = OwnerLoop(memory.records)
    contacts = await owner.contacts()
    if args.output is None:
        write_leads(contacts, sys.stdout, args.format)
    else:
        with args.output.open("w", encoding="utf-8", newline="") as out:
            write_leads(contacts, out, args.format)
    print(f"exported {len(contacts)} contact(s) to {args.output or 'stdout'}", file=sys.stderr)
    return 0
