"""Memory as the twin opens it: one store, conversations and records in two namespaces of it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from memory.conversations import ConversationStore
from memory.records import RecordStore
from memory.store import Store

#: Where the file backend keeps records, inside the memory directory.
FILE_RECORDS = "records"


@dataclass(frozen=True)
class Memory:
    """The store and its two namespaces; closing it releases the one client both share."""

    store: Store
    conversations: ConversationStore
    records: RecordStore

    @classmethod
    def of(cls, store: Store, conversations: str, records: str) -> Memory:
        """Conversations and records in the namespaces `conversations` and `records` of `store`."""
        return cls(
            store,
            ConversationStore(store.with_namespace(conversations)),
            RecordStore(store.with_namespace(records)),
        )

    async def close(self) -> None:
        await self.store.close()


def file_memory(root: Path) -> Memory:
    """Conversations as `<root>/<session_id>.json`, records under `<root>/records/`."""
    from memory.file import FileStore

    return Memory.of(FileStore(root), "", FILE_RECORDS)


def s3_memory(bucket: str, conversations: str, records: str, *, timeout_seconds: float) -> Memory:
    """Conversations and records under their own prefixes of one bucket, through one client."""
    from memory.s3 import S3Store  # boto3 is only imported when S3 is in use

    return Memory.of(S3Store(bucket, timeout_seconds=timeout_seconds), conversations, records)
