"""A visitor's contact: an email address left in chat, what each conversation left with it, and how
it is stored (`contacts/<id>` in the records store, one per normalised address).

Each conversation's name, note and count are kept beside the contact (`left`, by session id), so
erasing one conversation erases its words and another's stay, and retention can drop what old
conversations left with a contact that a recent one keeps. `OwnerLoop` (service/owner/loop.py) records
and lists contacts through these.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import msgspec

#: What an email address looks like, wherever the twin looks for one (tool arguments, offline replies).
EMAIL_PATTERN = r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}"
#: An address in running text, whole: not the tail of a longer one ("JOSÉ.garcia@..." is not
#: ".garcia@...") nor the head of one in a script it does not read ("bob@shop.exämple.com").
EMAIL = re.compile(rf"(?<![\w.%+-]){EMAIL_PATTERN}(?![\w-]|\.[\w-])")
_EMAIL_ONLY = re.compile(EMAIL_PATTERN)


class Contact(msgspec.Struct, kw_only=True):
    """A visitor who wants to get in touch: each conversation's name and note (the name the latest
    gave, every note, oldest first), and how often they left the address."""

    id: str
    email: str
    name: str = ""
    note: str = ""
    count: int = 1
    sessions: list[str] = msgspec.field(default_factory=list)
    first_seen: datetime
    last_seen: datetime


class Left(msgspec.Struct, kw_only=True):
    """What one conversation left with a contact: stored beside it (key `left`, by session id) so
    that erasing the conversation erases its words, and another's stay."""

    name: str = ""
    note: str = ""
    count: int = 0
    #: When this conversation last left the address (None: stored before this was kept).
    at: datetime | None = None


class StoredContact(Contact, kw_only=True):
    """A contact as stored: with what each conversation left."""

    left: dict[str, Left] = msgspec.field(default_factory=dict)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def is_email(text: str) -> bool:
    """Whether `text` is one email address and nothing else."""
    return _EMAIL_ONLY.fullmatch(text) is not None


def without_old_visits(current: Any, older_than: datetime) -> Any:
    """A contact without the conversations that last left it before `older_than` (their names and
    notes go with them); one stored before each visit's time was kept is left as it is."""
    if current is None:
        return None
    contact, left = contact_of(current)
    old = {s for s, entry in left.items() if entry.at is not None and entry.at < older_than}
    if not old:
        return current
    contact.sessions = [s for s in contact.sessions if s not in old]
    return contact_doc(contact, left) if contact.sessions else current


def contact_of(stored: Any) -> tuple[Contact, dict[str, Left]]:
    """A stored contact and what each of its conversations left. One stored before contacts kept
    that has its name, note and count given to its latest conversation, the one most likely to have
    written them (so erasing that conversation erases them)."""
    contact = msgspec.convert(stored, Contact)
    left = msgspec.convert(stored.get("left") or {}, dict[str, Left])
    if not left and contact.sessions:
        left = {contact.sessions[-1]: Left(name=contact.name, note=contact.note, count=contact.count)}
    return contact, left


def contact_doc(contact: Contact, left: dict[str, Left]) -> Any:
    """The contact as stored: its summary fields from what its conversations (the ones it still
    remembers) left, and those beside it."""
    kept = {s: left[s] for s in contact.sessions if s in left}  # oldest conversation first
    contact.name = next((entry.name for entry in reversed(kept.values()) if entry.name), "")
    contact.note = "\n".join(dict.fromkeys(entry.note for entry in kept.values() if entry.note))
    contact.count = max(1, sum(entry.count for entry in kept.values()))
    return msgspec.to_builtins(contact) | {"left": msgspec.to_builtins(kept)}
