"""Shared by the owner's-loop commands: pick the records store and run an async action on it.

The store is the one the settings choose (USE_S3, S3_BUCKET, S3_RECORDS_PREFIX, MEMORY_DIR);
`--memory-dir` or `--s3-bucket` override it, as for `twin conversations`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

import msgspec

from memory import StoreUnavailable
from memory.records import RecordStore
from service.owner_loop import OwnerLoop
from service.settings import Settings

Action = Callable[[argparse.Namespace, Settings, OwnerLoop], Awaitable[int]]


def where_parser() -> argparse.ArgumentParser:
    """Options that choose the records store (a parent parser for every subcommand)."""
    where = argparse.ArgumentParser(add_help=False)
    group = where.add_argument_group("store (default: the one the settings choose)")
    backend = group.add_mutually_exclusive_group()
    backend.add_argument("--memory-dir", type=Path, metavar="DIR", help="the file store in DIR")
    backend.add_argument("--s3-bucket", metavar="BUCKET", help="the S3 store in BUCKET")
    group.add_argument(
        "--s3-records-prefix",
        metavar="PREFIX",
        help="records prefix in the bucket (default: S3_RECORDS_PREFIX)",
    )
    return where


def records_settings(settings: Settings, args: argparse.Namespace) -> Settings:
    """The settings with the command line's choice of store applied over them."""
    if args.memory_dir is not None:
        settings = msgspec.structs.replace(settings, use_s3=False, memory_dir=args.memory_dir)
    elif args.s3_bucket is not None:
        settings = msgspec.structs.replace(settings, use_s3=True, s3_bucket=args.s3_bucket)
    if args.s3_records_prefix is not None:
        settings = msgspec.structs.replace(settings, s3_records_prefix=args.s3_records_prefix)
    settings.validate()
    return settings


def command(action: Action) -> Callable[[argparse.Namespace], int]:
    """Open the records store, run `action`, close it; failures name the store for the owner."""

    def run(args: argparse.Namespace) -> int:
        from service.app import build_records

        settings = records_settings(Settings.from_env(), args)
        records: RecordStore = build_records(settings)
        return run_on_store(records, lambda: action(args, settings, OwnerLoop(records)))

    return run


class Closable(Protocol):
    """A store: where it is (for messages) and how to release it."""

    @property
    def location(self) -> str: ...

    async def close(self) -> None: ...


def run_on_store(store: Closable, work: Callable[[], Awaitable[int]]) -> int:
    """Run `work`, then close `store`; an unreachable store or file is one line naming it, exit 1."""

    async def go() -> int:
        try:
            return await work()
        finally:
            await store.close()

    try:
        return asyncio.run(go())
    except StoreUnavailable as exc:
        cause = f" ({exc.__cause__})" if exc.__cause__ else ""
        print(f"twin: {store.location}: {exc}{cause}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"twin: {exc}", file=sys.stderr)
        return 1


def one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
