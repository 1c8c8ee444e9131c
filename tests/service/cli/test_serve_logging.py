"""`twin serve` logs at `TWIN_LOG_LEVEL`, in one format: its own lines and uvicorn's alike."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.conftest import EXAMPLE_PERSONA
from tests.support.serve import twin_serve


def served_output(memory: Path, **level: str) -> list[str]:
    """What `twin serve` writes while it answers one chat turn and stops."""
    with twin_serve(
        PERSONA_DIR=EXAMPLE_PERSONA, MEMORY_DIR=memory, TWIN_PROVIDER="offline", **level
    ) as served:
        reply = httpx.post(f"{served.url}/chat", json={"message": "Where do you work?"}, timeout=10)
        assert reply.status_code == 200
    return [line.rstrip("\n") for line in served.output]


def test_the_turn_line_is_logged_once_in_twins_format(tmp_path: Path) -> None:
    turns = [line for line in served_output(tmp_path) if "twin.turns" in line]
    assert len(turns) == 1 and turns[0].startswith("INFO twin.turns: {")
    assert json.loads(turns[0].split(": ", 1)[1])["event"] == "turn"


@pytest.mark.parametrize("level", ["WARNING", "error"])
def test_a_higher_level_silences_info_lines_of_twin_and_uvicorn(tmp_path: Path, level: str) -> None:
    lines = served_output(tmp_path, TWIN_LOG_LEVEL=level)
    assert not [line for line in lines if line.startswith("INFO")], lines
