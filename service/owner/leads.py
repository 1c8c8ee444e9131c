"""Leads as files the owner downloads: CSV (safe to open in a spreadsheet) or JSON Lines. The CLI's
`twin leads export` and the owner's room write the same bytes."""

from __future__ import annotations

import csv
from typing import Literal, TextIO

import msgspec

from service.owner.loop import Contact

FIELDS = ("id", "email", "name", "note", "count", "first_seen", "last_seen", "sessions")
LeadsFormat = Literal["csv", "jsonl"]


def write_leads(contacts: list[Contact], out: TextIO, format: LeadsFormat = "csv") -> None:
    """Every contact, one per line (JSON Lines) or per row under a header (CSV)."""
    if format == "jsonl":
        for contact in contacts:
            out.write(msgspec.json.encode(contact).decode() + "\n")
        return
    writer = csv.writer(out)
    writer.writerow(FIELDS)
    for c in contacts:
        row = msgspec.to_builtins(c)
        row["sessions"] = " ".join(c.sessions)
        writer.writerow([_safe(str(row[field])) for field in FIELDS])


def _safe(value: str) -> str:
    """Keep spreadsheet apps from running a visitor's text as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
