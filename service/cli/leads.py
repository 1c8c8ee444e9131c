"""`twin leads ...`: visitors who left an email to be contacted. Personal data: handle with care."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

import msgspec

from memory import Memory
from service.cli.memory import command, where_parser
from service.owner.loop import Contact, OwnerLoop
from service.owner.safe_text import json_text, one_line, write_csv
from service.settings import Settings

FIELDS = ("id", "email", "name", "note", "count", "first_seen", "last_seen", "sessions")


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
        _write(contacts, sys.stdout, args.format)
    else:
        with args.output.open("w", encoding="utf-8", newline="") as out:
            _write(contacts, out, args.format)
    print(f"exported {len(contacts)} contact(s) to {args.output or 'stdout'}", file=sys.stderr)
    return 0


def _write(contacts: list[Contact], out: TextIO, format: str) -> None:
    if format == "jsonl":
        for contact in contacts:
            out.write(json_text(msgspec.json.encode(contact)) + "\n")
        return
    rows = []
    for c in contacts:
        row = msgspec.to_builtins(c)
        row["sessions"] = " ".join(c.sessions)
        rows.append([row[field] for field in FIELDS])
    write_csv(out, FIELDS, rows)
