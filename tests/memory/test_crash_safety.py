"""A writer killed with SIGKILL in the middle of a stream of appends leaves only whole turns behind."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import msgspec
import pytest
from litestar.testing import TestClient

from memory import Conversation, file_memory, new_session_id
from service.app import create_app
from service.cli import main
from service.settings import Settings
from tests.conftest import REPO
from tests.support.settings import tweak

ROUNDS = 3
#: Turns the writer must report stored before it is killed (then it is killed mid-stream).
TURNS_BEFORE_KILL = 12


def run_and_kill(root: Path, first: int, session_ids: list[str]) -> list[int]:
    """Start a writer, wait until it has reported TURNS_BEFORE_KILL turns and is in the middle of
    writing the next one (its temp file exists), then SIGKILL it.

    Returns: the turn numbers the writer reported as stored.
    """
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.support.append_forever", str(root), str(first), *session_ids],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    try:
        reported = [int(writer.stdout.readline()) for _ in range(TURNS_BEFORE_KILL)]
        deadline = time.monotonic() + 30
        while not any(root.glob(".*.tmp")):  # the next write has begun
            assert time.monotonic() < deadline, "the writer stopped writing"
    finally:
        os.kill(writer.pid, signal.SIGKILL)  # while it is busy with the next append
        writer.wait(timeout=30)
        writer.stdout.close()
    assert writer.returncode == -signal.SIGKILL
    return reported


def test_sigkill_mid_stream_leaves_every_conversation_decodable_with_whole_turns(tmp_path: Path) -> None:
    root = tmp_path / "conversations"
    session_ids = [new_session_id() for _ in range(3)]
    first, reported, in_flight = 0, set[int](), set[int]()
    for _ in range(ROUNDS):  # later rounds continue the same conversations after a crash
        numbers = run_and_kill(root, first, session_ids)
        reported.update(numbers)
        in_flight.add(numbers[-1] + 1)  # the append the kill interrupted: stored whole or not at all
        first = numbers[-1] + 2

    stored: dict[int, str] = {}
    for path in sorted(root.glob("*.json")):
        conversation = msgspec.json.decode(path.read_bytes(), type=Conversation)  # decodes, or fails here
        messages = conversation.messages
        assert len(messages) % 2 == 0, f"{path.name} holds half a turn"
        for user, assistant in zip(messages[::2], messages[1::2], strict=True):
            assert (user.role, assistant.role) == ("user", "assistant")
            number = user.content.split()[1]
            assert assistant.content.split()[1] == number, f"{path.name} mixes turns {number}"
            stored[int(number)] = conversation.session_id
    assert {p.stem for p in root.glob("*.json")} == set(session_ids)

    # every turn reported as stored survived the kills (an append is durable when it returns),
    # and nothing else is there but, at most, the turns that were in flight
    assert reported <= set(stored)
    assert set(stored) - reported <= in_flight


def test_a_crashed_writers_leftovers_are_ignored_and_erased_with_the_conversation(tmp_path: Path) -> None:
    root = tmp_path / "conversations"
    session_ids = [new_session_id()]
    run_and_kill(root, 0, session_ids)
    # what a writer killed between writing its temp file and renaming it leaves behind
    (root / f".{session_ids[0]}.crashed.tmp").write_bytes(b'{"session_id": "half a tu')

    async def check() -> None:
        store = file_memory(root).conversations
        assert [s.session_id for s in await store.list()] == session_ids
        assert await store.delete(session_ids[0]) is True
        assert [p.name for p in root.iterdir() if p.name != ".locks"] == []

    asyncio.run(check())


def test_a_crashed_writers_temp_files_are_removed_at_start_up_and_by_prune(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kill -9 mid-write leaves `.*.tmp` files holding visitors' words (a contact's email too);
    nothing read or deleted them before."""
    root = tmp_path / "conversations"

    def crash() -> None:
        session_id = new_session_id()
        run_and_kill(root, 0, [session_id])
        (root / f".{session_id}.crashed.tmp").write_bytes(b'{"session_id": "half a tu')
        contacts = root / "records" / "contacts"
        contacts.mkdir(parents=True, exist_ok=True)
        (contacts / ".0a1b2c3d4e5f.k3j4h5g6.tmp").write_bytes(b'{"email": "ada@example.com", "na')
        assert len(list(root.rglob(".*.tmp"))) >= 2

    crash()
    started = tweak(settings, MEMORY_DIR=root)
    with TestClient(app=create_app(started)) as client:  # start-up
        assert client.get("/health").status_code == 200
    assert sorted(root.rglob(".*.tmp")) == []

    crash()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MEMORY_DIR", str(root))
    monkeypatch.delenv("USE_S3", raising=False)
    assert main(["conversations", "prune"]) == 0
    assert sorted(root.rglob(".*.tmp")) == []
    assert len(list(root.glob("*.json"))) == 2  # the conversations themselves are kept
