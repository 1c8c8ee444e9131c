"""Leads as files the owner downloads: CSV (safe to open in a spreadsheet) or JSON Lines. The CLI's
`twin leads export` and the owner's room write the same bytes.

Visitors wrote the names and notes: CSV cells are one line, with control characters shown as escapes
and no formula prefix; JSON Lines escape such characters as `\\uXXXX` (the same data once decoded).
"""

from __future__ import annotations

from typing import Literal, TextIO

import msgspec

from service.owner.contacts import Contact
from service.owner.safe_text import json_text, write_csv

FIELDS = ("id", "email", "name", "note", "count", "first_seen", "last_seen", "sessions")
LeadsFormat = Literal["csv", "jsonl"]


def write_leads(contacts: list[Contact], out: TextIO, format: LeadsFormat = "csv") -> None:
    """Every contact, one per line (JSON Lines) or per row under a header (CSV)."""
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
