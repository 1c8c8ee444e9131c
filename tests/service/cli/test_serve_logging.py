"""`twin serve` logs at `TWIN_LOG_LEVEL`, in one format: its own lines and uvicorn's alike."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import EXAMPLE_PERSONA, REPO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def served_output(level: str | None, memory: Path) -> list[str]:
    """What `twin serve` writes while it answers one chat turn and stops."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "TWIN_", "USE_S3"))}
    env |= {"PERSONA_DIR": str(EXAMPLE_PERSONA), "MEMORY_DIR": str(memory), "TWIN_PROVIDER": "offline"}
    env |= {"TWIN_LOG_LEVEL": level} if level else {}
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60  # until /health answers; the output is read once it stops
        while not healthy(port):
            assert process.poll() is None and time.monotonic() < deadline, "twin serve did not start"
            time.sleep(0.05)
        reply = httpx.post(
            f"http://127.0.0.1:{port}/chat", json={"message": "Where do you work?"}, timeout=10
        )
        assert reply.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    return output.splitlines()


def test_the_turn_line_is_logged_once_in_twins_format(tmp_path: Path) -> None:
    lines = served_output(None, tmp_path)
    turns = [line for line in lines if "twin.turns" in line]
    assert len(turns) == 1 and turns[0].startswith("INFO twin.turns: {")
    assert json.loads(turns[0].split(": ", 1)[1])["event"] == "turn"


@pytest.mark.parametrize("level", ["WARNING", "error"])
def test_a_higher_level_silences_info_lines_of_twin_and_uvicorn(tmp_path: Path, level: str) -> None:
    lines = served_output(level, tmp_path)
    assert not [line for line in lines if line.startswith("INFO")], lines
