"""The store bench's turn is the engine's: one read (the history's load) and one write per turn."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import store_bench
from bench.store_bench import Counts, Result, counted, measure, render
from memory.file import FileStore


async def test_a_turn_reads_once_and_writes_once_and_the_writers_lose_no_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_bench, "SESSIONS", 2)
    monkeypatch.setattr(store_bench, "TURNS_PER_SESSION", 3)
    monkeypatch.setattr(store_bench, "ROUNDS", 1)
    monkeypatch.setattr(store_bench, "WRITERS", 4)
    counts, result = Counts(), Result("file")

    await measure(result, counted(FileStore(tmp_path), counts), counts)

    assert result.turns == 6
    assert result.reads == 4  # each session's first turn is new: nothing to load
    assert result.writes == 6
    assert len(result.round_seconds) == 1 and result.round_writes[0] >= 4
    assert "| file | 6 | 0.67 | 1.00 | - |" in render([result], "n/a", 1)
