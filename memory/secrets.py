"""The deployment's secret: random bytes made once per deployment and kept in its records store.

Keys derived from it make ids nobody can compute from public input (the conversation a retried first
message starts, an imported conversation's id) and, for the owner's pages, signatures every instance
can check. It is created on first use with a create-only write (a file under the store's lock, an S3
`If-None-Match: *` PUT), so processes and Lambda containers starting together agree on one secret.
It is never logged and never leaves the store except as derived keys.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

import anyio

from memory.errors import ConflictError, StoreUnavailable
from memory.records import RecordStore

COLLECTION = "secrets"
KEY = "deployment"
#: Bytes of the stored secret and of each derived key.
SECRET_BYTES = 32


class DeploymentSecret:
    """Keys for named purposes, derived from the one secret of this deployment (read once per process)."""

    def __init__(self, records: RecordStore) -> None:
        self._records = records
        self._secret: bytes | None = None
        self._lock = anyio.Lock()

    def __repr__(self) -> str:
        return f"DeploymentSecret({self._records.location})"  # never the value

    async def key(self, purpose: str) -> bytes:
        """A key for `purpose` (`"retry-session"`, `"seed-import"`, ...): the same on every instance of
        this deployment, different for every purpose. Raises: StoreUnavailable."""
        secret = self._secret or await self._load()
        return hashlib.blake2b(purpose.encode(), key=secret, digest_size=SECRET_BYTES).digest()

    async def _load(self) -> bytes:
        async with self._lock:
            if self._secret is None:
                self._secret = await self._read_or_create()
        return self._secret

    async def _read_or_create(self) -> bytes:
        for _ in range(2):
            found = await self._records.get(COLLECTION, KEY)
            if found is not None:
                return _decoded(found.value)
            value = {"secret": base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()}
            try:
                await self._records.put(COLLECTION, KEY, value, expected_version=None)
            except ConflictError:
                continue  # another instance created it first: read theirs
            return _decoded(value)
        raise StoreUnavailable("the deployment secret could not be read")


def _decoded(value: object) -> bytes:
    encoded = value.get("secret") if isinstance(value, dict) else None
    try:
        secret = base64.b64decode(encoded, validate=True) if isinstance(encoded, str) else b""
    except ValueError:
        secret = b""
    if len(secret) < SECRET_BYTES:
        raise StoreUnavailable("the stored deployment secret is malformed")
    return secret
