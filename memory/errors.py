"""Errors a store raises; the service maps each to one HTTP status."""

from __future__ import annotations


class StoreError(Exception):
    """Base of every memory error; the message is safe to show to a client."""


class InvalidSessionId(StoreError):
    """A session id that the server could not have issued (never used as a key)."""


class SessionNotFound(StoreError):
    """A well-formed session id with no stored conversation."""


class ConflictError(StoreError):
    """Concurrent writers kept winning the race for one conversation past the retry budget."""


class StoreUnavailable(StoreError):
    """The backend could not be reached or failed; nothing was half-written."""


class Undecodable(StoreUnavailable):
    """A stored document that does not decode (damaged outside the store): reading it fails, and
    reading a whole collection skips it with a warning, so one such document hides only itself."""
