"""A visitor who leaves once the turn is being stored changes nothing: stored, charged, logged as such.

Found by the soak bench: a stream whose visitor timed out while the turn's tokens were being added to
the spend cap left the day's counter charged and the month's not, and the turn logged as "aborted"
although it was stored. Litestar cancels a stream's task group when the client disconnects; this
does the same to the engine.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from service.app import build_twin
from service.chat.budget import COLLECTION
from service.settings import Settings
from tests.support.fake_openai import FakeOpenAI
from tests.support.settings import on_fake_model


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.mark.parametrize("slow", ["append", "charge"])
async def test_leaving_while_the_turn_is_stored_and_charged_changes_nothing(
    settings: Settings, fake: FakeOpenAI, tmp_path: Path, caplog: pytest.LogCaptureFixture, slow: str
) -> None:
    twin = build_twin(on_fake_model(settings, fake.base_url))
    engine, records = twin.engine, twin.memory.records
    fake.reply("I lead payments.", prompt_tokens=900, completion_tokens=100)
    reached = anyio.Event()
    target: Any = twin.memory.conversations if slow == "append" else records
    method = "append" if slow == "append" else "update_from"
    original = getattr(target, method)

    async def slowly(*args: Any, **kwargs: Any) -> Any:
        reached.set()
        await asyncio.sleep(0.2)  # the visitor leaves now
        return await original(*args, **kwargs)

    setattr(target, method, slowly)
    turn = await engine.begin("Where do you work?", None)

    async def visitor() -> None:
        async for _ in turn.deltas():
            pass

    with caplog.at_level(logging.INFO, logger="twin.turns"):
        async with anyio.create_task_group() as group:
            group.start_soon(visitor)
            await reached.wait()
            group.cancel_scope.cancel()

    await twin.background.drain()  # the spend cap's write runs after the reply
    stored = await twin.memory.conversations.load(turn.session_id)
    assert stored is not None and stored.conversation.turns == 1
    counters = await records.items(COLLECTION)
    assert sorted(record.value["tokens"] for record in counters.values()) == [1000, 1000]  # day, month
    (line,) = [json.loads(r.getMessage()) for r in caplog.records if r.name == "twin.turns"]
    assert (line["outcome"], line["error"]) == ("answered", None)
    await twin.close()
