"""The `twin` command line: serve the API, chat in the terminal, inspect the persona."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TextIO

from memory import StoreError
from persona_sources import PersonaError, load_persona
from service.providers import ProviderError
from service.settings import Settings, SettingsError
from service.tokens import estimate_tokens


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `twin`; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return int(args.run(args))
    except (SettingsError, PersonaError) as exc:
        print(f"twin: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="twin", description="An AI digital twin of its owner.")
    commands = parser.add_subparsers(title="commands")

    serve = commands.add_parser("serve", help="run the web UI and API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--reload", action="store_true", help="restart when the code changes")
    serve.set_defaults(run=_serve)

    chat = commands.add_parser("chat", help="talk to the twin in the terminal")
    chat.add_argument("--session", help="continue a stored conversation")
    chat.add_argument("-m", "--message", action="append", help="send this message (repeatable) and exit")
    chat.set_defaults(run=_chat)

    persona = commands.add_parser("persona", help="inspect the persona").add_subparsers(
        title="persona commands"
    )
    show = persona.add_parser("show", help="the composed prompt, its sources and its size")
    show.set_defaults(run=_persona_show)
    return parser


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    Settings.from_env()  # fail fast, with a clear message, on bad configuration
    uvicorn.run("service.asgi:app", host=args.host, port=args.port, reload=args.reload, proxy_headers=False)
    return 0


def _chat(args: argparse.Namespace) -> int:
    return asyncio.run(_chat_loop(Settings.from_env(), args.session, args.message, sys.stdin, sys.stdout))


async def _chat_loop(
    settings: Settings, session_id: str | None, messages: list[str] | None, stdin: TextIO, stdout: TextIO
) -> int:
    from service.app import build_engine

    engine = build_engine(settings)
    interactive = messages is None
    if interactive:
        mode = (
            "offline, answering from the persona's notes"
            if engine.provider.offline
            else engine.provider.model
        )
        stdout.write(
            f"Talking with {engine.persona.full_name}'s twin ({mode}). Empty line or Ctrl-D to quit.\n"
        )
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
                stdout.write(f"{engine.persona.name}> ")
                async for delta in turn.deltas():
                    stdout.write(delta)
                    stdout.flush()
                stdout.write("\n")
                session_id = turn.session_id
            except (ProviderError, StoreError) as exc:
                stdout.write(f"\n[error] {exc}\n")
                if not interactive:
                    return 1
    finally:
        if session_id:
            stdout.write(f"[session {session_id}]\n")
        await engine.provider.close()
        await engine.store.close()


def _persona_show(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    persona = load_persona(settings.persona_dir)
    prompt = persona.system_prompt(datetime.now(UTC).date())
    print(prompt)
    print("\n---")
    print(f"persona: {persona.full_name} ({persona.headline}) from {settings.persona_dir}")
    for section in persona.sections:
        print(
            f"  source {section.source_id!r} ({section.source_type}): {section.title}, "
            f"{len(section.text)} characters"
        )
    print(f"system prompt: {len(prompt)} characters, about {estimate_tokens(prompt)} tokens (estimated)")
    print(f"content hash: {persona.content_hash}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
