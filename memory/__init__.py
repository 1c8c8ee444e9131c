"""Memory: one namespaced document store (file or S3) with conversations and records built on it."""

from __future__ import annotations

from memory.conversations import ConversationStore, Versioned
from memory.errors import (
    ConflictError,
    InvalidSessionId,
    SessionNotFound,
    StoreError,
    StoreUnavailable,
)
from memory.keys import new_session_id, retry_session_id, validate_session_id
from memory.model import Conversation, ConversationSummary, Message, ReplyTokens, replies
from memory.open import Memory, file_memory, s3_memory
from memory.records import RecordStore
from memory.store import Document, Seen, Store

__all__ = [
    "ConflictError",
    "Conversation",
    "ConversationStore",
    "ConversationSummary",
    "Document",
    "InvalidSessionId",
    "Memory",
    "Message",
    "RecordStore",
    "ReplyTokens",
    "Seen",
    "SessionNotFound",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "Versioned",
    "file_memory",
    "new_session_id",
    "replies",
    "retry_session_id",
    "s3_memory",
    "validate_session_id",
]
