"""How often the owner is told: bounds per turn, per conversation, per client IP and per hour.

A visitor can make the twin record contacts and questions as fast as the rate limits allow (and a
model can be talked into calling a tool many times in one reply). Every one is recorded, but the owner
is not spammed: a notification goes out only while its turn, its conversation, its client IP and the
deployment's hour are all under their bounds. The rest are counted into the hour's digest, sent once
the hour is over: one message saying how many contacts and questions arrived meanwhile, with nothing
a visitor wrote in it.

The per-conversation and per-IP counts live in this process's memory (per container on Lambda); the
hour's count lives in the records store (`notify-hours/<YYYY-MM-DD-HH>`), so it holds across them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import msgspec

from memory import RecordStore, StoreError
from memory.model import utc_now
from service.runtime.windows import SlidingWindow
from service.settings import NotifySettings

log = logging.getLogger("twin.notify")

HOURS = "notify-hours"
#: Notifications one turn may send, however many tool calls it made.
PER_TURN = 2
#: Tool calls one turn may run; the model is told the rest were not recorded.
TOOL_CALLS_PER_TURN = 4

Kind = Literal["contact", "question"]


@dataclass
class Visit:
    """The turn a tool call belongs to: its conversation, the client's IP (None outside HTTP), and
    what the turn has done so far (the per-turn bounds)."""

    session_id: str
    client_ip: str | None = None
    tool_calls: int = 0
    notified: int = 0


class Hour(msgspec.Struct, kw_only=True):
    """One hour's notifications as stored: how many went out, how many wait for its digest."""

    sent: int = 0
    held: dict[str, int] = msgspec.field(default_factory=dict)

    @property
    def held_total(self) -> int:
        return sum(self.held.values())


def _hour(value: Any) -> Hour:
    """A stored hour; a malformed one (edited by hand) counts as empty rather than failing turns."""
    try:
        return msgspec.convert(value or {}, Hour)
    except msgspec.ValidationError:
        return Hour()


def hour_key(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d-%H}"


def hour_of(key: str) -> datetime:
    return datetime.strptime(key, "%Y-%m-%d-%H").replace(tzinfo=UTC)


class NotifyThrottle:
    """Decides whether a notification goes out now or waits for its hour's digest."""

    def __init__(
        self,
        records: RecordStore,
        settings: NotifySettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self._records = records
        self._per_hour = settings.per_hour
        self._per_session = SlidingWindow(settings.per_session, timedelta(days=1).total_seconds(), clock)
        self._per_ip = SlidingWindow(settings.per_ip_per_hour, 3600, clock)
        self._now = now

    async def admit(self, kind: Kind, visit: Visit) -> bool:
        """Whether a notification of `kind` for `visit` goes out now; if not, it is counted for the
        hour's digest. A records store that fails holds the notification back (logged)."""
        local = (
            visit.notified < PER_TURN
            and self._per_session.wait(visit.session_id) is None
            and (visit.client_ip is None or self._per_ip.wait(visit.client_ip) is None)
        )
        decided: list[bool] = []

        def count(current: Any) -> Any:
            hour = _hour(current)
            send = local and (self._per_hour <= 0 or hour.sent < self._per_hour)
            if send:
                hour.sent += 1
            else:
                hour.held[kind] = hour.held.get(kind, 0) + 1
            decided[:] = [send]  # the decision of the attempt that was stored
            return msgspec.to_builtins(hour)

        try:
            await self._records.update(HOURS, hour_key(self._now()), count)
        except StoreError as exc:
            log.warning("notification held back, the records store failed: %s", type(exc).__name__)
            return False
        if not decided[0]:
            log.info("notification (%s) held back for the hour's digest", kind)
            return False
        visit.notified += 1
        self._per_session.add(visit.session_id)
        if visit.client_ip is not None:
            self._per_ip.add(visit.client_ip)
        return True

    async def closed_hours(self) -> list[tuple[datetime, Hour]]:
        """Past hours whose counts are claimed now (each by one caller only): the hours with held
        notifications are what digests are made of; the others are simply cleared."""
        current = hour_key(self._now())
        claimed = []
        for key, record in sorted((await self._records.items(HOURS)).items()):
            if key >= current:
                continue
            if await self._records.delete(HOURS, key, expected_version=record.version):
                hour = _hour(record.value)
                try:
                    claimed += [(hour_of(key), hour)] if hour.held_total else []
                except ValueError:
                    log.warning("notify-hours/%s is not an hour; cleared", key)
        return claimed


def digest_text(start: datetime, hour: Hour) -> str:
    """The digest of one hour: counts and where to look, nothing a visitor wrote."""
    parts = {"contact": "new contacts", "question": "new questions"}
    counts = ", ".join(f"{n} {parts.get(kind, kind)}" for kind, n in sorted(hour.held.items()))
    end = start + timedelta(hours=1)
    return (
        f"{hour.held_total} more notifications were held back between {start:%Y-%m-%d %H:%M} and "
        f"{end:%H:%M} UTC ({counts}): too many at once. Everything was recorded: see "
        "`twin leads list` and `twin questions list`."
    )
