"""The owner's statistics over the last N days, read from the stores (file or S3) and the spend cap:
no separate database. The CLI and the owner's room show them."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Literal, Protocol

import msgspec

from memory import ConversationStore
from service.owner.failures import FailedTurns
from service.owner.loop import OwnerLoop
from service.providers import Usage
from service.providers.pricing import estimate_cost

PeriodName = Literal["daily", "monthly"]


class PeriodUse(msgspec.Struct, kw_only=True):
    """How much of a period's token budget all visitors have used."""

    period: PeriodName
    key: str
    tokens: int
    turns: int
    budget: int
    cost_usd: float
    ends: datetime


class Spending(Protocol):
    """What the statistics read of the spend cap (`service.chat.budget.SpendCap`)."""

    async def spent(self) -> list[PeriodUse]: ...


class DayStats(msgspec.Struct, kw_only=True):
    day: date
    conversations: int = 0
    turns: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    #: Of tokens_in, those served from the provider's prompt cache (priced at its cached rate).
    tokens_cached: int = 0
    #: Replies whose usage the provider did not report (their tokens are twin's estimates).
    estimated_turns: int = 0
    cost_usd: float | None = 0.0
    #: Replies from the offline provider although a model is configured (it failed, or the cap held).
    offline_turns: int = 0
    #: Turns that failed and stored nothing.
    failed_turns: int = 0
    feedback_up: int = 0
    feedback_down: int = 0
    new_contacts: int = 0
    new_questions: int = 0


class Stats(msgspec.Struct, kw_only=True):
    """Per day (oldest first) and totals. Costs are estimates at `model`'s list price."""

    days: int
    since: date
    model: str
    per_day: list[DayStats]
    conversations: int
    turns: int
    tokens_in: int
    tokens_out: int
    cost_usd: float | None
    new_contacts: int
    new_questions: int
    open_questions: int
    feedback_up: int
    feedback_down: int
    tokens_cached: int = 0
    estimated_turns: int = 0
    #: The spend cap's current periods (empty when there is no cap).
    budget: list[PeriodUse] = msgspec.field(default_factory=list)
    offline_turns: int = 0
    failed_turns: int = 0

    @property
    def feedback_ratio(self) -> float | None:
        """Share of thumbs up among votes, or None without votes."""
        votes = self.feedback_up + self.feedback_down
        return self.feedback_up / votes if votes else None


async def compute(
    store: ConversationStore,
    owner: OwnerLoop,
    *,
    days: int,
    model: str,
    cap: Spending | None = None,
    failures: FailedTurns | None = None,
    now: datetime | None = None,
) -> Stats:
    """Statistics for the `days` days up to and including today (UTC)."""
    now = now or datetime.now(UTC)
    since = (now - timedelta(days=days - 1)).date()
    rows = {since + timedelta(days=n): DayStats(day=since + timedelta(days=n)) for n in range(days)}
    sessions: dict[date, set[str]] = defaultdict(set)
    for conversation in await store.conversations():
        for message in conversation.messages:
            day = message.timestamp.astimezone(UTC).date()
            row = rows.get(day)
            if row is None:
                continue
            if message.role == "user":
                row.turns += 1
                sessions[day].add(conversation.session_id)
            elif message.usage is not None:
                row.tokens_in += message.usage.prompt_tokens
                row.tokens_out += message.usage.completion_tokens
                row.tokens_cached += message.usage.cached_tokens or 0
                row.estimated_turns += 1 if message.usage.estimated else 0
            if message.answered_offline is not None:
                row.offline_turns += 1
    for day, row in rows.items():
        row.conversations = len(sessions[day])
        row.cost_usd = estimate_cost(
            model,
            Usage(
                prompt_tokens=row.tokens_in, completion_tokens=row.tokens_out, cached_tokens=row.tokens_cached
            ),
        )
    start = datetime.combine(since, datetime.min.time(), UTC)
    contacts = await owner.contacts()
    questions = await owner.questions()
    votes = [v for v in await owner.feedback() if v.at >= start]
    failed = [f.at for found in (await failures.all() if failures else {}).values() for f in found]
    for moment, counter in [
        *((c.first_seen, "new_contacts") for c in contacts),
        *((q.first_seen, "new_questions") for q in questions),
        *((v.at, f"feedback_{v.rating}") for v in votes),
        *((at, "failed_turns") for at in failed),
    ]:
        row = rows.get(moment.astimezone(UTC).date())
        if row is not None:
            setattr(row, counter, getattr(row, counter) + 1)
    per_day = list(rows.values())
    costs = [r.cost_usd for r in per_day]
    return Stats(
        days=days,
        since=since,
        model=model,
        per_day=per_day,
        conversations=len({s for day in sessions.values() for s in day}),
        turns=sum(r.turns for r in per_day),
        tokens_in=sum(r.tokens_in for r in per_day),
        tokens_out=sum(r.tokens_out for r in per_day),
        tokens_cached=sum(r.tokens_cached for r in per_day),
        estimated_turns=sum(r.estimated_turns for r in per_day),
        cost_usd=None if any(c is None for c in costs) else round(sum(c or 0.0 for c in costs), 6),
        new_contacts=sum(1 for c in contacts if c.first_seen >= start),
        new_questions=sum(1 for q in questions if q.first_seen >= start),
        open_questions=sum(1 for q in questions if q.status == "open"),
        feedback_up=sum(1 for v in votes if v.rating == "up"),
        feedback_down=sum(1 for v in votes if v.rating == "down"),
        budget=await cap.spent() if cap is not None else [],
        offline_turns=sum(r.offline_turns for r in per_day),
        failed_turns=sum(r.failed_turns for r in per_day),
    )


class StatsReader:
    """`compute` with the stores, the spend cap and the model fixed (the owner's room asks by days)."""

    def __init__(
        self,
        conversations: ConversationStore,
        owner: OwnerLoop,
        *,
        cap: Spending,
        failures: FailedTurns,
        model: str,
    ) -> None:
        self._conversations = conversations
        self._owner = owner
        self._cap = cap
        self._failures = failures
        self._model = model

    async def compute(self, days: int) -> Stats:
        return await compute(
            self._conversations,
            self._owner,
            days=days,
            model=self._model,
            cap=self._cap,
            failures=self._failures,
        )
