"""The deployment's secret: 32 random bytes made once and kept in the records store, so every process
and Lambda container of one deployment signs and checks with the same keys.

The first instance that needs it writes it with a conditional write (a file that must not exist yet,
or S3's `If-None-Match: *`); an instance that loses that race reads the winner's. Callers never use
the secret itself: `key(purpose)` derives a separate key for each use (HMAC-SHA256 of the purpose),
so one leaked derived key reveals neither the secret nor another key. Neither is ever logged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import secrets

import anyio

from memory.errors import ConflictError, StoreUnavailable
from memory.model import utc_now
from memory.records import RecordStore

log = logging.getLogger("twin.memory")

#: Where the secret lives in the records store: `records/deployment/secret`.
COLLECTION = "deployment"
KEY = "secret"
SECRET_BYTES = 32


class DeploymentSecret:
    """The secret, only ever used through keys derived from it."""

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        if len(secret) < SECRET_BYTES:
            raise ValueError("a deployment secret needs at least 32 bytes")
        self._secret = secret

    def key(self, purpose: str) -> bytes:
        """A key for one purpose (`"owner-session"`, `"csrf"`, ...): the same on every instance."""
        return hmac.new(self._secret, f"twin:{purpose}".encode(), hashlib.sha256).digest()

    def __repr__(self) -> str:
        return "DeploymentSecret(<hidden>)"


async def load_or_create(records: RecordStore) -> DeploymentSecret:
    """The deployment's secret, created on first use. Raises: StoreUnavailable."""
    found = await records.get(COLLECTION, KEY)
    if found is None:
        made = base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()
        try:
            await records.put(COLLECTION, KEY, {"secret": made, "created": utc_now().isoformat()})
        except ConflictError:
            pass  # another instance made it first: theirs is the one
        else:
            log.info("made the deployment secret in %s", records.location)
            return DeploymentSecret(base64.b64decode(made))
        found = await records.get(COLLECTION, KEY)
    try:
        value = found.value["secret"] if found is not None else None
        if not isinstance(value, str):
            raise TypeError("no secret")
        return DeploymentSecret(base64.b64decode(value, validate=True))
    except (TypeError, KeyError, ValueError, binascii.Error):
        raise StoreUnavailable("the deployment secret in the records store is unreadable") from None


class SharedSecret:
    """The secret, read (or made) on first use and kept for the process's life."""

    def __init__(self, records: RecordStore) -> None:
        self._records = records
        self._secret: DeploymentSecret | None = None
        self._lock = anyio.Lock()

    async def get(self) -> DeploymentSecret:
        if self._secret is None:
            async with self._lock:
                if self._secret is None:
                    self._secret = await load_or_create(self._records)
        return self._secret
