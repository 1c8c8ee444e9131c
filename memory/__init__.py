"""Conversation memory: one async store interface; backends in `memory.file` and `memory.s3`."""

from __future__ import annotations

from memory.base import ConversationStore, Versioned
from memory.errors import (
    ConflictError,
    InvalidSessionId,
    SessionNotFound,
    StoreError,
    StoreUnavailable,
)
from memory.keys import new_session_id, retry_session_id, validate_session_id
from memory.model import Conversation, ConversationSummary, Message, Usage

__all__ = [
    "ConflictError",
    "Conversation",
    "ConversationStore",
    "ConversationSummary",
    "InvalidSessionId",
    "Message",
    "SessionNotFound",
    "StoreError",
    "StoreUnavailable",
    "Usage",
    "Versioned",
    "new_session_id",
    "retry_session_id",
    "validate_session_id",
]
