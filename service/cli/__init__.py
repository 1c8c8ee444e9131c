"""The `twin` command line. Each command group lives in its own module and adds its own parser."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from memory import StoreError
from persona_sources import PersonaError
from service.cli import chat, conversations, eval, leads, notify, package, persona, questions, serve, stats
from service.environment import SettingsError

#: Command modules; each exposes `add_commands(subparsers)` and sets `run` on its parsers.
COMMANDS = (serve, chat, persona, conversations, questions, leads, notify, stats, eval, package)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `twin`; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return int(args.run(args))
    except (SettingsError, PersonaError, StoreError) as exc:
        print(f"twin: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`twin ... | head`): stop quietly, and keep the interpreter's final
        # flush of stdout from failing again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree."""
    parser = argparse.ArgumentParser(prog="twin", description="An AI digital twin of its owner.")
    subparsers = parser.add_subparsers(title="commands")
    for module in COMMANDS:
        module.add_commands(subparsers)
    return parser
