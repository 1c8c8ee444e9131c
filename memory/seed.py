"""The seed project's memory, imported as twin conversations (`twin conversations import-seed`).

The seed keeps one JSON file per session, `{session_id}.json` (in a directory, or at the root of an
S3 bucket): a list of `{"role", "content", "timestamp"}` objects, timestamps written without a time
zone (read here as UTC, as the seed runs on Lambda). Each file becomes one conversation under an id
only this deployment can derive from the seed's id (keyed with its secret), so importing again finds
what the last import wrote: unchanged files are left alone, files the seed has added to since are
brought up to date, and conversations that went on in twin are kept as they are.

A conversation erased after its import (the visitor's request, or the owner's) leaves a mark, the
keyed hash of its id, in the records (`seed_erased/`), and is not imported again.

Nothing is dropped silently: a message the twin cannot read as one (another role, content that is not
text) and any field beside role, content and timestamp are kept verbatim with the conversation
(`Conversation.imported.unread`), and the report says how much of the input reached the twin.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import msgspec

from memory.conversations import ConversationStore, Versioned
from memory.errors import ConflictError
from memory.keys import derived_session_id
from memory.model import Conversation, ImportedFrom, Message, utc_now
from memory.records import RecordStore, digest_key
from memory.store import Store

#: What the seed writes for each message; anything else is kept aside verbatim.
SEED_FIELDS = frozenset({"role", "content", "timestamp"})

Outcome = Literal["imported", "updated", "unchanged", "kept", "erased earlier"]
#: Records marking imported conversations that were erased, by a hash of their twin id.
ERASED = "seed_erased"


class SeedReport(msgspec.Struct, kw_only=True):
    """What an import did, file by file and in total."""

    files: int = 0
    outcomes: dict[str, int] = msgspec.field(default_factory=dict)
    #: Messages (items of the files' lists) read, imported as messages, kept aside verbatim (not
    #: read as messages), and imported with fields beside theirs kept verbatim as well.
    messages_read: int = 0
    messages_imported: int = 0
    kept_aside: int = 0
    extra_fields: int = 0
    #: Messages whose timestamp was missing or unreadable (they took the previous message's).
    timestamps_guessed: int = 0
    #: Characters of message text read and imported.
    chars_read: int = 0
    chars_imported: int = 0
    #: Files that are not a seed conversation, by name, with why (they are left where they are).
    skipped: dict[str, str] = msgspec.field(default_factory=dict)

    def count(self, outcome: Outcome) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def seed_session_id(seed_id: str, secret: bytes) -> str:
    """The twin id of the seed's conversation `seed_id`: the same on every import into this deployment."""
    return derived_session_id(seed_id, secret, b"twin-seed")


async def remember_erased(records: RecordStore, conversation: Conversation) -> None:
    """Mark an imported conversation as erased, so importing again does not bring it back."""
    if conversation.imported is not None and conversation.imported.source == "seed":
        await records.put(ERASED, digest_key(conversation.session_id), {})


async def import_seed(
    source: Store, conversations: ConversationStore, records: RecordStore, secret: bytes
) -> SeedReport:
    """Import every seed conversation in `source` (a store over the seed's directory or bucket), but
    those erased since an earlier import (`records` holds their marks)."""
    report = SeedReport()
    erased = set(await records.keys(ERASED))
    for name in await source.list():
        report.files += 1
        document = await source.get(name)
        if document is None:
            continue  # removed while the import ran
        try:
            items = msgspec.json.decode(document.raw)
        except msgspec.DecodeError:
            items = None
        if not isinstance(items, list):
            report.skipped[name] = "not a JSON list of messages"
            continue
        if not items:
            report.skipped[name] = "no messages"
            continue
        session_id = seed_session_id(name, secret)
        if digest_key(session_id) in erased:
            report.count("erased earlier")
            continue
        found = await conversations.load(session_id)
        # With no readable timestamp at all, the messages take the time of their first import, so
        # importing again finds them unchanged.
        undated = found.conversation.started_at if found is not None else utc_now()
        converted = _conversation(name, session_id, items, undated, report)
        report.count(await _store(conversations, converted, found))
    return report


def _conversation(
    seed_id: str, session_id: str, items: list[Any], undated: datetime, report: SeedReport
) -> Conversation:
    messages: list[Message] = []
    unread: list[msgspec.Raw] = []
    known = (_timestamp(item.get("timestamp")) for item in items if isinstance(item, dict))
    #: A message without a readable timestamp takes the previous message's (the first known one's first).
    last = next((moment for moment in known if moment is not None), None) or undated
    for item in items:
        report.messages_read += 1
        content = item.get("content") if isinstance(item, dict) else None
        report.chars_read += len(content) if isinstance(content, str) else 0
        if not (
            isinstance(item, dict) and item.get("role") in ("user", "assistant") and isinstance(content, str)
        ):
            unread.append(msgspec.Raw(msgspec.json.encode(item)))
            report.kept_aside += 1
            continue
        moment = _timestamp(item.get("timestamp"))
        if moment is None:
            report.timestamps_guessed += 1
        last = moment or last
        messages.append(Message(role=item["role"], content=content, timestamp=last))
        report.messages_imported += 1
        report.chars_imported += len(content)
        if set(item) - SEED_FIELDS:
            unread.append(msgspec.Raw(msgspec.json.encode(item)))  # its other fields, with the message
            report.extra_fields += 1
    return Conversation(
        session_id=session_id,
        started_at=messages[0].timestamp if messages else last,
        updated_at=messages[-1].timestamp if messages else last,
        messages=tuple(messages),
        imported=ImportedFrom(source="seed", original_id=seed_id, unread=tuple(unread)),
    )


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):  # not a time, or one UTC cannot hold (0001-01-01T00:00+01:00)
        return None


async def _store(
    conversations: ConversationStore, converted: Conversation, found: Versioned | None
) -> Outcome:
    """Write a converted conversation unless this deployment already holds it (or more of it)."""
    if found is None:
        try:
            await conversations.write(converted, expected_version=None)
        except ConflictError:
            return "unchanged"  # another import wrote it meanwhile
        return "imported"
    stored = found.conversation
    if stored.messages == converted.messages and stored.imported == converted.imported:
        return "unchanged"
    if converted.messages[: len(stored.messages)] != stored.messages:
        return "kept"  # the conversation went on in twin: it is not overwritten
    await conversations.write(converted, expected_version=found.version)
    return "updated"
