"""Who may enter the owner's room: the password, the sign-in throttle, and sessions.

A session is a cookie value `<id>.<expires>.<signature>` and a record `owner_sessions/<id>`. The
signature (HMAC-SHA256) lets a forged, altered or expired cookie be refused before the store is read;
the record lets signing out end the session for good, whoever holds a copy of the cookie. The signing
key is derived from the deployment's secret (the same on every instance, see `memory.secret`) and
the password, so changing the password ends every session.

Failed sign-ins are counted per client address in the records store, so every Lambda container sees
the same count: after `FREE_FAILURES` each further failure doubles the wait before the next attempt
(2 s, 4 s, ... up to `MAX_WAIT_SECONDS`). The count goes up before the password is checked, so a burst
of parallel guesses gets at most one attempt past the free ones; an attempt during a wait is refused
after one read, without a write or an audit entry, so hammering the form costs the store little.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
from datetime import datetime, timedelta
from typing import Any

import msgspec

from memory import RecordStore
from memory.model import utc_now
from memory.records import Record, is_record_key
from memory.secret import SharedSecret
from service.owner.audit import AuditTrail

SESSIONS = "owner_sessions"
THROTTLE = "signin_failures"
#: Failed sign-ins from one address before the waits begin.
FREE_FAILURES = 3
MAX_WAIT_SECONDS = 900
#: A failure older than this no longer counts.
FORGET_AFTER = timedelta(hours=24)


class OwnerSession(msgspec.Struct, frozen=True, kw_only=True):
    """One sign-in."""

    id: str
    started_at: datetime
    expires_at: datetime
    ip: str = ""
    user_agent: str = ""


class Failures(msgspec.Struct, kw_only=True):
    count: int = 0
    last_at: datetime
    blocked_until: datetime | None = None


class SignIn(msgspec.Struct, frozen=True, kw_only=True):
    """What a sign-in attempt came to: a session (and its cookie), or a refusal with the wait before
    the next attempt is allowed (0 when there is none)."""

    session: OwnerSession | None = None
    cookie: str = ""
    wait_seconds: int = 0
    #: True when the attempt was not even checked: the address must wait first.
    throttled: bool = False


def wait_after(failures: int) -> int:
    """Seconds to wait after the `failures`-th failure in a row."""
    if failures <= FREE_FAILURES:
        return 0
    return int(min(MAX_WAIT_SECONDS, 2 ** (failures - FREE_FAILURES)))


class OwnerAccess:
    """Signs the owner in and out and recognises their sessions."""

    def __init__(
        self,
        records: RecordStore,
        secret: SharedSecret,
        audit: AuditTrail,
        *,
        password: str,
        session_hours: float,
    ) -> None:
        self._records = records
        self._secret = secret
        self._audit = audit
        self._password_digest = hashlib.sha256(password.encode()).digest()
        self.lifetime = timedelta(hours=session_hours)

    # --- signing in and out ----------------------------------------------------------------------

    async def sign_in(self, password: str, ip: str, user_agent: str = "") -> SignIn:
        """Check `password` from `ip`, unless that address must wait; start a session when it is right."""
        throttle_key = await self._address_key(ip)
        now = utc_now()
        waiting = _blocked_until(await self._records.get(THROTTLE, throttle_key), now)
        if waiting is not None:  # refused unread and unwritten: hammering costs the store nothing
            return SignIn(wait_seconds=_seconds_until(waiting, now), throttled=True)
        blocked: list[datetime] = []

        def count_attempt(current: Any) -> Any:
            blocked.clear()
            found = msgspec.convert(current, Failures) if current is not None else Failures(last_at=now)
            if now - found.last_at > FORGET_AFTER:
                found = Failures(last_at=now)
            if found.blocked_until is not None and found.blocked_until > now:
                blocked.append(found.blocked_until)
                return current
            found.count += 1
            found.last_at = now
            wait = wait_after(found.count)
            found.blocked_until = now + timedelta(seconds=wait) if wait else None
            return msgspec.to_builtins(found)

        stored = await self._records.update(THROTTLE, throttle_key, count_attempt)
        if blocked:  # a parallel attempt started the wait meanwhile
            return SignIn(wait_seconds=_seconds_until(blocked[0], now), throttled=True)
        if not self._right(password):
            failures = msgspec.convert(stored, Failures)
            await self._audit.record("sign_in_refused", detail="wrong password", ip=ip)
            until = failures.blocked_until
            return SignIn(wait_seconds=_seconds_until(until, now) if until else 0)
        await self._records.delete(THROTTLE, throttle_key)
        session = OwnerSession(
            id=secrets.token_hex(16),
            started_at=now,
            expires_at=now + self.lifetime,
            ip=ip,
            user_agent=user_agent[:200],
        )
        await self._forget_expired(now)
        await self._records.put(SESSIONS, session.id, msgspec.to_builtins(session))
        await self._audit.record("sign_in", ip=ip, detail=session.user_agent)
        return SignIn(session=session, cookie=await self._cookie(session))

    async def sign_out(self, session: OwnerSession, ip: str) -> None:
        await self._records.delete(SESSIONS, session.id)
        await self._audit.record("sign_out", ip=ip)

    async def session(self, cookie: str | None) -> OwnerSession | None:
        """The live session a cookie value stands for, or None (forged, altered, expired, ended)."""
        session_id, expires = await self._verified(cookie)
        if session_id is None or expires is None or expires <= utc_now().timestamp():
            return None
        found = await self._records.get(SESSIONS, session_id)
        if found is None:
            return None
        session = msgspec.convert(found.value, OwnerSession)
        return session if session.expires_at > utc_now() else None

    # --- the parts -------------------------------------------------------------------------------

    def _right(self, password: str) -> bool:
        """Constant time: digests of equal length are compared, whatever the attempt's length."""
        attempt = hashlib.sha256(password.encode("utf-8", "surrogatepass")).digest()
        return hmac.compare_digest(attempt, self._password_digest)

    async def _signing_key(self) -> bytes:
        return (await self._secret.get()).key("owner-session:" + self._password_digest.hex())

    async def _cookie(self, session: OwnerSession) -> str:
        payload = f"{session.id}.{int(session.expires_at.timestamp())}"
        return f"{payload}.{_sign(await self._signing_key(), payload)}"

    async def _verified(self, cookie: str | None) -> tuple[str | None, int | None]:
        if not cookie or len(cookie) > 200 or cookie.count(".") != 2:
            return None, None
        session_id, expires, signature = cookie.split(".")
        expected = _sign(await self._signing_key(), f"{session_id}.{expires}")
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            return None, None
        if not is_record_key(session_id) or not expires.isdigit():
            return None, None
        return session_id, int(expires)

    async def _address_key(self, ip: str) -> str:
        """A client address as a record key: keyed, so the stored keys do not give addresses away."""
        key = (await self._secret.get()).key("sign-in-address")
        return hmac.new(key, ip.encode(), hashlib.sha256).hexdigest()[:32]

    async def _forget_expired(self, now: datetime) -> None:
        for key, record in (await self._records.items(SESSIONS)).items():
            if msgspec.convert(record.value, OwnerSession).expires_at <= now:
                await self._records.delete(SESSIONS, key, expected_version=record.version)


def _blocked_until(record: Record | None, now: datetime) -> datetime | None:
    if record is None:
        return None
    until = msgspec.convert(record.value, Failures).blocked_until
    return until if until is not None and until > now else None


def _sign(key: bytes, payload: str) -> str:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))
