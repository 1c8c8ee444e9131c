"""`twin chat`: talk to the twin in the terminal through the same engine as the API."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any, TextIO

from memory import StoreError
from service.errors import TwinError
from service.owner.safe_text import for_terminal
from service.providers import ProviderError
from service.settings import Settings


def add_commands(subparsers: Any) -> None:
    chat = subparsers.add_parser("chat", help="talk to the twin in the terminal")
    chat.add_argument("--session", help="continue a stored conversation")
    chat.add_argument("-m", "--message", action="append", help="send this message (repeatable) and exit")
    chat.set_defaults(run=_chat)


def _chat(args: argparse.Namespace) -> int:
    return asyncio.run(chat_loop(Settings.from_env(), args.session, args.message, sys.stdin, sys.stdout))


async def chat_loop(
    settings: Settings, session_id: str | None, messages: list[str] | None, stdin: TextIO, stdout: TextIO
) -> int:
    """Answer `messages` (or stdin lines when None) in one session; returns the exit code."""
    from service.app import build_twin

    twin = build_twin(settings)
    engine, persona = twin.engine, twin.persona
    interactive = messages is None
    if interactive:
        mode = "offline, answering from the persona's notes" if twin.provider.offline else twin.provider.model
        stdout.write(f"Talking with {persona.full_name}'s twin ({mode}). Empty line or Ctrl-D to quit.\n")
    pending = iter(messages or [])
    try:
        while True:
            if interactive:
                stdout.write("\nyou> ")
                stdout.flush()
                line = stdin.readline()
            else:
                line = next(pending, "")
            if not line.strip():
                return 0
            try:
                turn = await engine.begin(line.strip(), session_id)
                stdout.write(f"{persona.name}> ")
                async for delta in turn.deltas():
                    stdout.write(for_terminal(delta))
                    stdout.flush()
                stdout.write("\n")
                session_id = turn.session_id
            except (TwinError, ProviderError, StoreError) as exc:  # too long, blank, ...: said, not raised
                stdout.write(f"\n[error] {for_terminal(str(exc))}\n")
                if not interactive:
                    return 1
    finally:
        if session_id:
            stdout.write(f"[session {session_id}]\n")
        await twin.close()
