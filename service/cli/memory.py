"""Shared by the owner's commands: choose the store, open it, run an async action, report failures.

The store is the one the settings choose (USE_S3, S3_BUCKET, S3_PREFIX, S3_RECORDS_PREFIX,
MEMORY_DIR); `--memory-dir` or `--s3-bucket` override it, so the same commands work on a laptop's
files and on a deployed bucket. It is opened as the app opens it (`service.app.build_memory`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Literal

import msgspec

from memory import Memory, StoreUnavailable
from service.settings import Settings

Action = Callable[[argparse.Namespace, Settings, Memory], Awaitable[int]]


def where_parser(*, conversations: bool = False, records: bool = False) -> argparse.ArgumentParser:
    """Options that choose the store (a parent parser), with the prefix options the command needs."""
    where = argparse.ArgumentParser(add_help=False)
    group = where.add_argument_group("store (default: the one the settings choose)")
    backend = group.add_mutually_exclusive_group()
    backend.add_argument("--memory-dir", type=Path, metavar="DIR", help="the file store in DIR")
    backend.add_argument("--s3-bucket", metavar="BUCKET", help="the S3 store in BUCKET")
    if conversations:
        group.add_argument("--s3-prefix", metavar="PREFIX", help="conversations prefix (default: S3_PREFIX)")
    if records:
        group.add_argument(
            "--s3-records-prefix",
            metavar="PREFIX",
            help="records prefix in the bucket (default: S3_RECORDS_PREFIX)",
        )
    return where


def chosen_settings(settings: Settings, args: argparse.Namespace) -> Settings:
    """The settings with the command line's choice of store applied over them (rules checked again)."""
    storage = settings.storage
    if args.memory_dir is not None:
        storage = msgspec.structs.replace(storage, use_s3=False, memory_dir=args.memory_dir)
    elif args.s3_bucket is not None:
        storage = msgspec.structs.replace(storage, use_s3=True, s3_bucket=args.s3_bucket)
    if getattr(args, "s3_prefix", None) is not None:
        storage = msgspec.structs.replace(storage, s3_prefix=args.s3_prefix)
    if getattr(args, "s3_records_prefix", None) is not None:
        storage = msgspec.structs.replace(storage, s3_records_prefix=args.s3_records_prefix)
    return msgspec.structs.replace(settings, storage=storage)


def command(
    action: Action, *, reads: Literal["conversations", "records"] = "records", chooses: bool = True
) -> Callable[[argparse.Namespace], int]:
    """Open the chosen store, run `action` on it, close it; a failure names where the command `reads`.

    `chooses=False`: the command's own options name something else (import-seed's source), so the
    store is the one the settings choose.
    """

    def run(args: argparse.Namespace) -> int:
        from service.app import build_memory

        settings = Settings.from_env()
        settings = chosen_settings(settings, args) if chooses else settings
        memory = build_memory(settings.storage)

        async def go() -> int:
            try:
                return await action(args, settings, memory)
            finally:
                await memory.close()

        try:
            return asyncio.run(go())
        except StoreUnavailable as exc:
            cause = f" ({exc.__cause__})" if exc.__cause__ else ""
            location = getattr(memory, reads).location
            print(f"twin: {location}: {exc}{cause}", file=sys.stderr)
            return 1
        except BrokenPipeError:
            raise  # not a failure of the command: `main` stops quietly
        except OSError as exc:
            print(f"twin: {exc}", file=sys.stderr)
            return 1

    return run
