"""The spend cap: daily and monthly token budgets across all visitors, on file and S3 records."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from memory import Document, RecordStore, StoreUnavailable, file_memory
from memory.file import FileStore
from service.app import build_twin, create_app
from service.chat.budget import COLLECTION, SpendCap, periods
from service.environment import SettingsError
from service.providers import ProviderError, Usage
from service.settings import Settings
from tests.support.fake_openai import FakeOpenAI
from tests.support.handler import chat_through_handler
from tests.support.settings import on_fake_model, settings_for
from tests.support.spend import charge

NOON = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_periods_are_the_utc_day_and_calendar_month_and_zero_means_no_cap() -> None:
    day, month = periods(datetime(2026, 12, 31, 23, 59, tzinfo=UTC), daily=10, monthly=20)
    assert (day.key, day.ends) == ("day-2026-12-31", datetime(2027, 1, 1, tzinfo=UTC))
    assert (month.key, month.ends) == ("month-2026-12", datetime(2027, 1, 1, tzinfo=UTC))
    assert [p.name for p in periods(NOON, daily=0, monthly=5)] == ["monthly"]
    assert periods(NOON, daily=0, monthly=0) == []


async def test_concurrent_charges_add_up_exactly(records: RecordStore) -> None:
    cap = SpendCap(records, daily_tokens=10_000, monthly_tokens=100_000, clock=lambda: NOON)
    await asyncio.gather(
        *(charge(cap, Usage(prompt_tokens=70, completion_tokens=30), 0.001) for _ in range(12))
    )
    daily, monthly = await cap.spent()
    assert (daily.period, monthly.period) == ("daily", "monthly")
    assert daily.tokens == monthly.tokens == 1200
    assert daily.turns == 12 and daily.cost_usd == pytest.approx(0.012)
    assert await records.keys(COLLECTION) == ["day-2026-11-26", "month-2026-11"]


async def test_a_used_up_budget_holds_until_its_period_ends(records: RecordStore) -> None:
    now = [NOON]
    cap = SpendCap(records, daily_tokens=100, monthly_tokens=1000, clock=lambda: now[0])
    assert await cap.exhausted() is None
    await charge(cap, Usage(prompt_tokens=60, completion_tokens=40), None)
    exhausted = await cap.exhausted()
    assert exhausted is not None and exhausted.period.name == "daily" and exhausted.used == 100
    now[0] = datetime(2026, 11, 27, 0, 0, 1, tzinfo=UTC)  # a new day: the daily counter starts afresh
    assert await cap.exhausted() is None
    await charge(cap, Usage(prompt_tokens=50), None)
    assert await cap.exhausted() is None
    await records.update(COLLECTION, "month-2026-11", lambda _: {"tokens": 1000})  # another process
    exhausted = await SpendCap(
        records, daily_tokens=100, monthly_tokens=1000, clock=lambda: now[0]
    ).exhausted()
    assert exhausted is not None and exhausted.period.name == "monthly"


class HeldWrites:
    """Holds the records' writes until `go_on` is set; `keys` are the counters they were for."""

    def __init__(self, records: RecordStore) -> None:
        self.held, self.go_on = asyncio.Event(), asyncio.Event()
        self.keys: list[str] = []
        original = records.update_from

        async def slowly(collection: str, key: str, *args: Any, **kwargs: Any) -> Any:
            self.keys.append(key)
            self.held.set()
            await self.go_on.wait()
            return await original(collection, key, *args, **kwargs)

        records.update_from = slowly  # type: ignore[method-assign]

    async def one_under_way_one_waiting(self, cap: SpendCap) -> tuple[asyncio.Task[None], asyncio.Task[None]]:
        """Charges 10 tokens, whose write is held under way, then 20, whose writes wait for the
        counters' locks."""
        under_way = cap.note(Usage(prompt_tokens=10), None)
        assert under_way is not None
        first = asyncio.create_task(under_way)
        await self.held.wait()
        waiting = cap.note(Usage(prompt_tokens=20), None)
        assert waiting is not None
        second = asyncio.create_task(waiting)
        for _ in range(3):  # its writes start, one per counter, and wait
            await asyncio.sleep(0)
        return first, second


async def test_a_charge_counts_at_once_and_while_its_write_is_under_way(records: RecordStore) -> None:
    cap = SpendCap(records, daily_tokens=100, monthly_tokens=0, clock=lambda: NOON)
    assert await cap.exhausted() is None  # read: nothing used yet
    write = cap.note(Usage(prompt_tokens=60, completion_tokens=40), None)
    assert write is not None and await records.keys(COLLECTION) == []
    writes = HeldWrites(records)
    writing = asyncio.create_task(write)
    await writes.held.wait()
    fresh = SpendCap(records, daily_tokens=100, monthly_tokens=0, clock=lambda: NOON)
    assert await fresh.exhausted() is None  # another process sees only what is written
    exhausted = await cap.exhausted()
    assert exhausted is not None and exhausted.used == 100  # this process counts the write in flight
    writes.go_on.set()
    await writing
    [daily] = await cap.spent()
    assert (daily.tokens, daily.turns) == (100, 1)
    assert cap.note(Usage(), None) is None  # nothing to charge, nothing to write


async def test_charges_made_while_a_write_waits_ride_along_with_it(records: RecordStore) -> None:
    """Under load one write per counter waits while another is under way: the turns charged
    meanwhile start no write of their own, and every one of them is counted."""
    cap = SpendCap(records, daily_tokens=10_000, monthly_tokens=10_000, clock=lambda: NOON)
    writes = HeldWrites(records)
    first, second = await writes.one_under_way_one_waiting(cap)
    assert [cap.note(Usage(prompt_tokens=30), None) for _ in range(5)] == [None] * 5
    writes.go_on.set()
    await asyncio.gather(first, second)
    assert sorted(writes.keys) == ["day-2026-11-26", "day-2026-11-26", "month-2026-11", "month-2026-11"]
    fresh = SpendCap(records, daily_tokens=10_000, monthly_tokens=10_000, clock=lambda: NOON)
    assert [(use.tokens, use.turns) for use in await fresh.spent()] == [(180, 7), (180, 7)]


async def test_turns_charged_in_one_go_start_one_waiting_write(records: RecordStore) -> None:
    """Two turns ending together both get a write to run; the first to run waits for the lock, the
    other finds it waiting and ends at once."""
    cap = SpendCap(records, daily_tokens=10_000, monthly_tokens=0, clock=lambda: NOON)
    writes = HeldWrites(records)
    first = cap.note(Usage(prompt_tokens=10), None)
    assert first is not None
    under_way = asyncio.create_task(first)
    await writes.held.wait()
    together = [cap.note(Usage(prompt_tokens=20), None) for _ in range(2)]
    tasks = [asyncio.create_task(write) for write in together if write is not None]
    for _ in range(3):
        await asyncio.sleep(0)
    assert len(tasks) == 2 and [task.done() for task in tasks] == [False, True]
    writes.go_on.set()
    await asyncio.gather(under_way, *tasks)
    assert writes.keys == ["day-2026-11-26", "day-2026-11-26"]
    [daily] = await cap.spent()
    assert (daily.tokens, daily.turns) == (50, 3)


async def test_a_charge_written_after_midnight_is_stored_in_its_own_day(records: RecordStore) -> None:
    """A turn charged just before midnight whose write runs after the new day's first check."""
    now = [datetime(2026, 11, 26, 23, 59, 59, tzinfo=UTC)]
    cap = SpendCap(records, daily_tokens=10_000, monthly_tokens=0, clock=lambda: now[0])
    write = cap.note(Usage(prompt_tokens=10), None)
    assert write is not None
    now[0] = datetime(2026, 11, 27, 0, 0, 1, tzinfo=UTC)
    assert await cap.exhausted() is None  # the new day: the day before's counter is forgotten
    await write
    stored = await records.get(COLLECTION, "day-2026-11-26")
    assert stored is not None and stored.value["tokens"] == 10


async def test_a_write_cancelled_while_it_waits_leaves_the_next_charge_a_write_of_its_own(
    records: RecordStore,
) -> None:
    """A waiting write that is cancelled (a Lambda freezing after its settle time) takes nothing
    along: its charges stay pending and the next turn's write stores them."""
    cap = SpendCap(records, daily_tokens=10_000, monthly_tokens=0, clock=lambda: NOON)
    writes = HeldWrites(records)
    under_way, waiting = await writes.one_under_way_one_waiting(cap)
    assert cap.note(Usage(prompt_tokens=5), None) is None  # the waiting write will take it along
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
    writes.go_on.set()
    await under_way
    await charge(cap, Usage(prompt_tokens=1), None)
    [daily] = await cap.spent()
    assert (daily.tokens, daily.turns) == (36, 4)


async def test_a_hand_edited_counter_does_not_break_turns(records: RecordStore) -> None:
    await records.put(COLLECTION, "day-2026-11-26", {"tokens": "lots"})
    cap = SpendCap(records, daily_tokens=100, monthly_tokens=0, clock=lambda: NOON)
    assert await cap.exhausted() is None
    await charge(cap, Usage(prompt_tokens=5), None)
    [daily] = await cap.spent()
    assert daily.period == "daily" and daily.tokens == 5


class BrokenStore(FileStore):
    async def _get(self, key: str) -> Document | None:
        raise StoreUnavailable("memory unavailable, try again")


async def test_an_unreadable_store_neither_stops_visitors_nor_fails_the_charge(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    cap = SpendCap(RecordStore(BrokenStore(tmp_path)), daily_tokens=1, monthly_tokens=0)
    assert await cap.exhausted() is None
    await charge(cap, Usage(prompt_tokens=5), None)
    assert "spend cap not checked" in caplog.text and "spend of a turn not recorded" in caplog.text


def test_negative_budgets_are_refused_by_name() -> None:
    with pytest.raises(SettingsError, match="TWIN_DAILY_TOKEN_BUDGET"):
        Settings.from_env({"TWIN_DAILY_TOKEN_BUDGET": "-1"}, env_file=None)
    assert settings_for(TWIN_MONTHLY_TOKEN_BUDGET=0).limits.monthly_token_budget == 0


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def model_client(settings: Settings, fake: FakeOpenAI, **env: Any) -> TestClient:  # type: ignore[type-arg]
    return TestClient(app=create_app(on_fake_model(settings, fake.base_url, **env)))


@pytest.fixture
def capped_daily(settings: Settings, fake: FakeOpenAI) -> Iterator[TestClient]:  # type: ignore[type-arg]
    """Started before the test body: the app's logging set-up would drop pytest's capturing handler."""
    with model_client(settings, fake, TWIN_DAILY_TOKEN_BUDGET=100) as client:
        yield client


def turn_outcomes(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [json.loads(r.getMessage())["outcome"] for r in caplog.records if r.name == "twin.turns"]


def test_when_the_daily_budget_is_used_the_twin_answers_offline_and_takes_messages(
    capped_daily: TestClient,
    fake: FakeOpenAI,
    caplog: pytest.LogCaptureFixture,  # type: ignore[type-arg]
) -> None:
    fake.reply("I lead payments at Corvina Pay.", prompt_tokens=80, completion_tokens=30)
    client = capped_daily
    with caplog.at_level(logging.INFO):
        first = client.post("/chat", json={"message": "Where do you work?"})
        calls = fake.request_count
        capped = client.post("/chat", json={"message": "Where do you work?"})
        streamed = client.post("/chat/stream", json={"message": "What do you do at Corvina Pay?"})
        left = client.post(
            "/chat",
            json={"message": "Please ask Freja to write to me at visitor@example.org about a role."},
        )
    assert first.json()["response"] == "I lead payments at Corvina Pay."
    assert fake.request_count == calls  # no model call once the cap is reached
    assert capped.status_code == 200 and "Corvina Pay" in capped.json()["response"]
    assert "used up its budget until tomorrow" in capped.json()["response"]
    assert "leave your email" in capped.json()["response"]
    assert "used up its budget until tomorrow" in streamed.text and "event: done" in streamed.text
    assert "passed your email on" in left.json()["response"]
    assert turn_outcomes(caplog) == ["answered", "budget", "budget", "budget"]
    assert "spend cap reached: the daily budget of 100 tokens is used (110)" in caplog.text
    assert "visitor@example.org" not in caplog.text


async def test_the_contact_left_while_capped_reaches_the_owner(settings: Settings, fake: FakeOpenAI) -> None:
    fake.reply("Hello.", prompt_tokens=500, completion_tokens=10)
    with model_client(settings, fake, TWIN_MONTHLY_TOKEN_BUDGET=100, TWIN_DAILY_TOKEN_BUDGET=0) as client:
        client.post("/chat", json={"message": "Hi"})
        reply = client.post("/chat", json={"message": "Reach me at visitor@example.org"}).json()["response"]
    contacts = await file_memory(settings.storage.memory_dir).records.keys("contacts")
    assert "budget until next month" in reply and len(contacts) == 1


async def test_zero_budgets_leave_the_records_untouched(settings: Settings, fake: FakeOpenAI) -> None:
    fake.reply("Hello.", prompt_tokens=5_000_000)
    no_caps = {
        "TWIN_DAILY_TOKEN_BUDGET": 0,
        "TWIN_MONTHLY_TOKEN_BUDGET": 0,
        "TWIN_TOKENS_PER_IP_PER_MINUTE": 0,
        "TWIN_TOKENS_PER_IP_PER_DAY": 0,
    }
    with model_client(settings, fake, **no_caps) as client:
        assert "budget" not in client.post("/chat", json={"message": "Hi"}).json()["response"]
        assert "budget" not in client.post("/chat", json={"message": "Hi"}).json()["response"]
    assert await file_memory(settings.storage.memory_dir).records.keys(COLLECTION) == []


@pytest.mark.parametrize("cut", ["visitor leaves", "model stream cut"])
async def test_a_turn_cut_short_after_the_model_started_is_still_charged(
    settings: Settings, fake: FakeOpenAI, cut: str
) -> None:
    """Dropping streams must not spend tokens the cap never counts (nothing is stored for them)."""
    twin = build_twin(on_fake_model(settings, fake.base_url, TWIN_LLM_TIMEOUT_SECONDS=5.0))
    engine, records = twin.engine, twin.memory.records
    if cut == "visitor leaves":
        fake.reply("I lead ", "payments ", "at Corvina Pay.", delay=0.2)
    else:
        fake.cut_stream_after(2, "I lead ", "payments", " at Corvina Pay.")
    turn = await engine.begin("Where do you work?", None)
    deltas = turn.deltas()
    with contextlib.suppress(ProviderError):
        assert await anext(deltas) == "I lead "
        await anext(deltas)
    await deltas.aclose()
    await twin.background.drain()
    counters = await records.items(COLLECTION)
    assert await twin.memory.conversations.load(turn.session_id) is None  # nothing stored ...
    tokens = {record.value["tokens"] for record in counters.values()}
    assert len(counters) == 2 and len(tokens) == 1 and tokens.pop() > 1000  # ... but the prompt was sent
    await twin.close()


def test_the_lambda_handler_writes_the_counters_before_it_returns(
    fake: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A turn's counters are written in the background; Lambda freezes the container when the handler
    returns, so the handler lets that write finish first."""
    fake.reply("I lead payments.", prompt_tokens=90, completion_tokens=10)
    response = chat_through_handler(
        monkeypatch, tmp_path, "Where do you work?",
        TWIN_PROVIDER="openai", OPENAI_BASE_URL=fake.base_url, OPENAI_API_KEY="sk-test",
    )  # fmt: skip
    assert response["statusCode"] == 200 and "payments" in response["body"]
    counters = asyncio.run(file_memory(tmp_path).records.items(COLLECTION))
    assert sorted(record.value["tokens"] for record in counters.values()) == [100, 100]  # day, month
