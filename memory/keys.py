"""Session ids: issued by the server, validated before they become a file name or object key."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

from memory.errors import InvalidSessionId

#: 24 random bytes -> 32 URL-safe base64 characters (192 bits).
SESSION_ID_BYTES = 24
#: The end of the text, in a pattern Python and JSON Schema (ECMA-262, as clients of the OpenAPI and
#: MCP schemas read it) both take alike: Python's `$` also matches before a final newline, and
#: ECMA-262 has no `\Z`.
END = r"(?!\n)$"
SESSION_ID_PATTERN = rf"^[A-Za-z0-9_-]{{32}}{END}"
_SESSION_ID = re.compile(SESSION_ID_PATTERN)


def new_session_id() -> str:
    """A fresh, unguessable session id; never starting with "-", so command lines never read it
    as an option (`twin conversations show ID`, `twin chat --session ID`)."""
    while (session_id := secrets.token_urlsafe(SESSION_ID_BYTES)).startswith("-"):
        pass
    return session_id


def retry_session_id(idempotency_key: str, message: str, secret: bytes) -> str:
    """The id of the conversation a first message with an idempotency key starts.

    The same key and message always give the same id, so a retried first message (the client never
    saw the id) finds the conversation its first attempt stored. The digest is keyed with the
    deployment's `secret`, so nobody can compute the id from the key and the message.
    """
    return derived_session_id(f"{idempotency_key}\0{message}", secret, b"twin-retry")


def derived_session_id(seed: str, secret: bytes, person: bytes) -> str:
    """A session id that follows from `seed` for whoever holds `secret`, and looks random to anyone else."""
    digest = hashlib.blake2b(seed.encode(), key=secret, digest_size=SESSION_ID_BYTES, person=person).digest()
    session_id = base64.urlsafe_b64encode(digest).decode()
    return "A" + session_id[1:] if session_id.startswith("-") else session_id  # never read as an option


def is_session_id(value: str) -> bool:
    """Whether `value` has the shape of an id the server issues."""
    return isinstance(value, str) and _SESSION_ID.fullmatch(value) is not None


def validate_session_id(session_id: str) -> str:
    """Return the id unchanged if it has the shape the server issues, else raise InvalidSessionId."""
    if not is_session_id(session_id):
        raise InvalidSessionId("session_id is malformed: expected the 32-character id the server issued")
    return session_id


def session_hash(session_id: str) -> str:
    """A session id as logs may carry it: linkable within the logs, useless as a session."""
    return hashlib.sha256(session_id.encode()).hexdigest()[:16]
