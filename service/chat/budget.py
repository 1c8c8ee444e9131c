"""The spend cap: model tokens used by all visitors per UTC day and month, kept in the records store.

Every turn that used the model adds its tokens to the day's and the month's counter (compare-and-swap
updates, so concurrent processes and Lambdas lose nothing). Before a turn, the counters are checked;
when one has reached its budget, the turn is answered offline until the period ends. A turn already in
flight when the cap is reached still finishes, so the spend can pass the cap by the turns in flight.

Per turn this costs no read in the common case: a process checks the counters as it last read or
wrote them (plus its own charges not yet written) for `CHECK_SECONDS`, so the spend can also pass the
cap by what other processes charged in that time. Charges arriving while a counter is being written
are written together by the next write, which waits for that one (one write waits per counter; the
turns charged meanwhile start none of their own), and a write starts from the counter as this process
last stored it, reading it again only when another process wrote.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec

from memory import RecordStore, Seen, StoreError
from service.owner.stats import PeriodName, PeriodUse
from service.providers import Usage

log = logging.getLogger("twin.budget")

COLLECTION = "budget"

#: How long counters this process read or wrote answer the cap check without another read.
CHECK_SECONDS = 5.0


class Spend(msgspec.Struct, kw_only=True):
    """One period's counter as stored."""

    tokens: int = 0
    turns: int = 0
    #: Estimated dollars at list price; models without a known price add nothing.
    cost_usd: float = 0.0


class Period(msgspec.Struct, frozen=True, kw_only=True):
    """A budget period: its record key, its token budget and when it ends (UTC)."""

    name: PeriodName
    key: str
    budget: int
    ends: datetime


class _Counter:
    """One period's counter as this process last read or wrote it, and charges not yet written."""

    __slots__ = ("checked_at", "lock", "pending", "queued", "seen", "spend", "writing")

    def __init__(self) -> None:
        self.spend = Spend()
        self.checked_at = float("-inf")
        #: The record as this process last wrote it: the next write starts from it.
        self.seen: Seen | None = None
        self.pending = Spend()
        #: Tokens of the charges being written now (counted until the write returns).
        self.writing = 0
        self.lock = asyncio.Lock()
        #: A write is waiting for the lock: it will take every charge pending when it gets it.
        self.queued = False

    def tokens(self) -> int:
        return self.spend.tokens + self.writing + self.pending.tokens


class Exhausted(msgspec.Struct, frozen=True, kw_only=True):
    """A period whose budget is used up, and what it has used."""

    period: Period
    used: int


def periods(now: datetime, daily: int, monthly: int) -> list[Period]:
    """The periods with a budget (0 = no cap) that contain `now`."""
    day = now.astimezone(UTC).date()
    found = []
    if daily > 0:
        ends = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
        found.append(Period(name="daily", key=f"day-{day.isoformat()}", budget=daily, ends=ends))
    if monthly > 0:
        year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
        ends = datetime(year, month, 1, tzinfo=UTC)
        found.append(Period(name="monthly", key=f"month-{day:%Y-%m}", budget=monthly, ends=ends))
    return found


class SpendCap:
    """Daily and monthly token budgets across all visitors (`TWIN_DAILY_TOKEN_BUDGET`,
    `TWIN_MONTHLY_TOKEN_BUDGET`)."""

    def __init__(
        self,
        records: RecordStore,
        *,
        daily_tokens: int,
        monthly_tokens: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.records = records
        self.daily_tokens = daily_tokens
        self.monthly_tokens = monthly_tokens
        self._clock = clock
        self._monotonic = monotonic
        #: A period found used up stays so until it ends: no more reads for it in this process.
        self._exhausted: dict[str, Exhausted] = {}
        #: The current periods' counters by record key.
        self._counters_known: dict[str, _Counter] = {}
        #: The current periods and the UTC day they were worked out for (every turn asks twice).
        self._current: tuple[date, tuple[Period, ...]] | None = None

    @property
    def enabled(self) -> bool:
        return self.daily_tokens > 0 or self.monthly_tokens > 0

    def _periods(self) -> tuple[Period, ...]:
        now = self._clock()
        day = now.astimezone(UTC).date()
        if self._current is None or self._current[0] != day:
            self._current = (day, tuple(periods(now, self.daily_tokens, self.monthly_tokens)))
        return self._current[1]

    async def exhausted(self) -> Exhausted | None:
        """The first period whose budget is used up, or None.

        A store that cannot be read does not stop the visitor: the cap is then not enforced for this
        turn, and the failure is logged.
        """
        current = self._periods()
        for period in current:
            if period.key in self._exhausted:
                return self._exhausted[period.key]
        known = [self._counter(period.key) for period in current]
        now = self._monotonic()
        if any(now - counter.checked_at >= CHECK_SECONDS for counter in known):
            try:
                read = await self._counters(current)
            except StoreError as exc:
                log.warning("spend cap not checked, the records store failed: %s", type(exc).__name__)
                return None
            for counter, (_, spend) in zip(known, read, strict=True):
                counter.spend, counter.checked_at = spend, now
        for period, counter in zip(current, known, strict=True):
            used = counter.tokens()
            if used >= period.budget:
                state = Exhausted(period=period, used=used)
                self._exhausted = {period.key: state}
                log.warning(
                    "spend cap reached: the %s budget of %d tokens is used (%d); answering offline until %s",
                    period.name,
                    period.budget,
                    used,
                    period.ends.isoformat(),
                )
                return state
        return None

    def note(self, usage: Usage, cost_usd: float | None) -> Coroutine[Any, Any, None] | None:
        """Count one turn's tokens (and estimated cost) at once (this process's next check sees them)
        and return the write that stores them, for the caller to run (a chat turn runs it after its
        reply); None when nothing is charged, or when writes already waiting will take these charges
        along (under load, one write per counter waits while one is under way, whatever the number of
        turns). A failed write is logged, never shown to a visitor."""
        tokens = usage.total
        if tokens <= 0 or not self.enabled:
            return None
        counters = {period.key: self._counter(period.key) for period in self._periods()}
        for counter in counters.values():
            counter.pending.tokens += tokens
            counter.pending.turns += 1
            counter.pending.cost_usd += cost_usd or 0.0
        if all(counter.queued for counter in counters.values()):
            return None
        return self._write(counters)

    async def _write(self, counters: dict[str, _Counter]) -> None:
        """One write for each counter that has none waiting yet (the counters are the ones charged, so
        a write that runs after midnight still stores the day before's charges in its record)."""
        waiting = {key: counter for key, counter in counters.items() if not counter.queued}
        for counter in waiting.values():
            counter.queued = True  # before the writes start, so turns charged meanwhile ride along
        try:
            await asyncio.gather(*(self._flush(key, counter) for key, counter in waiting.items()))
        except BaseException:
            for counter in waiting.values():
                counter.queued = False  # a write cancelled before it began to wait takes nothing along
            raise

    async def _flush(self, key: str, counter: _Counter) -> None:
        """Write a counter's pending charges: now, or once the write under way is done."""
        try:
            await counter.lock.acquire()
        finally:
            counter.queued = False  # from here on a new charge needs a write of its own
        try:
            batch = counter.pending
            if batch.turns == 0:
                return  # the write this charge waited for took it along
            counter.pending = Spend()

            def add(value: Any | None) -> Any:
                spend = _spend(value)
                spend.tokens += batch.tokens
                spend.turns += batch.turns
                spend.cost_usd = round(spend.cost_usd + batch.cost_usd, 8)
                return msgspec.to_builtins(spend)

            counter.writing = batch.tokens
            try:
                value, counter.seen = await self.records.update_from(COLLECTION, key, add, counter.seen)
            except StoreError as exc:
                counter.seen = None
                log.warning(
                    "spend of a turn not recorded in %s (%d tokens, %d turn(s) written together): %s",
                    key,
                    batch.tokens,
                    batch.turns,
                    type(exc).__name__,
                )
                return
            finally:
                counter.writing = 0
            counter.spend, counter.checked_at = _spend(value), self._monotonic()
        finally:
            counter.lock.release()

    def _counter(self, key: str) -> _Counter:
        """The counter of a current period (those of ended periods are forgotten)."""
        counter = self._counters_known.get(key)
        if counter is None:
            current = {period.key for period in self._periods()} | {key}
            self._counters_known = {k: c for k, c in self._counters_known.items() if k in current}
            counter = self._counters_known[key] = _Counter()
        return counter

    async def spent(self) -> list[PeriodUse]:
        """What each current period has used so far."""
        return [
            PeriodUse(
                period=period.name,
                key=period.key,
                tokens=spend.tokens,
                turns=spend.turns,
                budget=period.budget,
                cost_usd=spend.cost_usd,
                ends=period.ends,
            )
            for period, spend in await self._counters(self._periods())
        ]

    async def _counters(self, current: Sequence[Period]) -> list[tuple[Period, Spend]]:
        """Each period with its stored counter (empty when none is stored yet)."""
        found = await asyncio.gather(*(self.records.get(COLLECTION, p.key) for p in current))
        return [(p, _spend(r.value if r else None)) for p, r in zip(current, found, strict=True)]


def capped_note(exhausted: Exhausted, name: str) -> str:
    """What a visitor reads under an offline answer while the cap holds: why, until when, what to do."""
    until = "tomorrow" if exhausted.period.name == "daily" else "next month"
    return (
        f"_(My AI model has used up its budget until {until}, so I'm answering from my notes. To reach "
        f"{name} directly, leave your email and a short message here and I'll pass it on.)_"
    )


def _spend(value: Any | None) -> Spend:
    """A stored counter; a malformed one (edited by hand) counts as empty rather than failing turns."""
    try:
        return msgspec.convert(value or {}, Spend)
    except msgspec.ValidationError:
        log.warning("a stored budget counter is malformed; counting it as empty")
        return Spend()
