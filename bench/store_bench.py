"""Store cost per turn on files and on moto S3, side by side, and the 16-writer throughput.

Run from the repository root:  .venv/bin/python -m bench.store_bench [--no-write]

A turn is what the chat engine does with memory: load the history, then append the user message
and the reply with a conditional write that starts from what the load read. For each backend it
counts store operations and (for S3) HTTP requests per turn, times each turn, and times 16 writers
appending to one session at once.
The figures replace the delimited section of docs/benchmarks.md (other sections are kept).

moto runs in this process on 127.0.0.1; its own request handling (Flask, XML, one request at a
time) dominates the S3 timings, and real S3 answers in tens of milliseconds per request over a real
network. Compare request counts across backends; read the S3 milliseconds as moto's, not AWS's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import boto3

from bench.report import write_section
from memory import ConversationStore, Document, Message, ReplyTokens, Seen, Store, new_session_id
from memory.file import FileStore
from memory.s3 import S3Store
from tests.support.moto_s3 import FAKE_CREDENTIALS, MotoS3Server

REPO = Path(__file__).resolve().parent.parent

SESSIONS = 10
TURNS_PER_SESSION = 20
WRITERS = 16
ROUNDS = 10
QUESTION = "What did you build at your last job, and what would you do differently? " * 2
ANSWER = "I led the platform team that moved payments onto an event-driven core. " * 12


@dataclass
class Counts:
    reads: int = 0
    writes: int = 0
    http: int = 0

    def reset(self) -> None:
        self.reads = self.writes = self.http = 0


@dataclass
class Result:
    backend: str
    turns: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    reads: int = 0
    writes: int = 0
    http: int = 0
    round_seconds: list[float] = field(default_factory=list)
    round_writes: list[int] = field(default_factory=list)
    round_http: list[int] = field(default_factory=list)
    #: Median ms per turn of each repetition, to show the run-to-run noise.
    run_medians_ms: list[float] = field(default_factory=list)


def counted(store: Store, counts: Counts) -> ConversationStore:
    """Conversations on `store`, counting its primitive reads and writes (and, on S3, its HTTP requests)
    without changing them."""
    read, write = store._get, store._put

    async def counting_read(key: str) -> Document | None:
        counts.reads += 1
        return await read(key)

    async def counting_write(key: str, raw: bytes, expected: str | None) -> str:
        counts.writes += 1
        return await write(key, raw, expected)

    store._get = counting_read  # type: ignore[method-assign]
    store._put = counting_write  # type: ignore[method-assign]
    if isinstance(store, S3Store):

        def count_request(**_: Any) -> None:
            counts.http += 1

        store.client.meta.events.register("before-send.s3", count_request)
    return ConversationStore(store)


def turn(n: int) -> tuple[Message, Message]:
    now = datetime.now(UTC)
    return (
        Message(role="user", content=f"{n}: {QUESTION}", timestamp=now),
        Message(role="assistant", content=ANSWER, timestamp=now, usage=ReplyTokens(prompt_tokens=900)),
    )


async def one_turn(store: ConversationStore, session_id: str, n: int, first: bool) -> None:
    """What the chat engine does with memory for one visitor message: the history's read is handed
    to the append (`seen`), which writes without reading again unless another writer came between."""
    seen = Seen(None)
    if not first:
        found = await store.load(session_id)
        assert found is not None
        seen = found.seen
    await store.append(session_id, turn(n), create=first, seen=seen)


async def measure(result: Result, store: ConversationStore, counts: Counts) -> None:
    """One repetition on one backend; adds its figures to `result`."""
    sessions = [new_session_id() for _ in range(SESSIONS)]
    latencies = []
    for n in range(TURNS_PER_SESSION):
        for session_id in sessions:
            started = time.perf_counter()
            await one_turn(store, session_id, n, first=n == 0)
            latencies.append((time.perf_counter() - started) * 1000)
    result.latencies_ms += latencies
    result.run_medians_ms.append(statistics.median(latencies))
    result.turns += len(latencies)
    result.reads += counts.reads
    result.writes += counts.writes
    result.http += counts.http

    for _ in range(ROUNDS):
        session_id = new_session_id()
        await store.append(session_id, turn(0), create=True)
        counts.reset()
        started = time.perf_counter()
        await asyncio.gather(*(store.append(session_id, turn(w)) for w in range(1, WRITERS + 1)))
        result.round_seconds.append(time.perf_counter() - started)
        result.round_writes.append(counts.writes)
        result.round_http.append(counts.http)
        stored = await store.load(session_id)
        assert stored is not None and stored.conversation.turns == WRITERS + 1, "a turn was lost"
    await store.store.close()


def p95(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def render(results: list[Result], moto_version: str, repeats: int) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Conversation store: cost per turn (`python -m bench.store_bench`)",
        "",
        f"Measured {when}; Python {platform.python_version()} on "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; file store on a local disk "
        "(every write on disk before it is answered, flushed alone or with its batch); "
        f"S3 store against moto {moto_version} in server mode on 127.0.0.1 "
        "(in-process, requests applied one at a time, no real network).",
        "",
        f"A turn is what the engine does: load the history, then append one user message and its "
        f"reply (~{len(QUESTION) + len(ANSWER)} characters) with a conditional write. "
        f"{SESSIONS} sessions x {TURNS_PER_SESSION} turns (conversations grow to "
        f"{TURNS_PER_SESSION} turns), repeated {repeats} times, the backends alternating.",
        "",
        "| backend | turns | store reads / turn | store writes / turn | HTTP requests / turn "
        "| median ms / turn | p95 ms / turn | median of each run |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        http = f"{r.http / r.turns:.2f}" if r.backend == "s3 (moto)" else "-"
        runs = " / ".join(f"{m:.2f}" for m in r.run_medians_ms)
        lines.append(
            f"| {r.backend} | {r.turns} | {r.reads / r.turns:.2f} | {r.writes / r.turns:.2f} | {http} "
            f"| {statistics.median(r.latencies_ms):.2f} | {p95(r.latencies_ms):.2f} | {runs} |"
        )
    lines += [
        "",
        f"{WRITERS} writers appending one turn each to one session at once (the contract test), "
        f"{ROUNDS} rounds per repetition; no turn was lost in any round:",
        "",
        "| backend | median s / round | turns / s (median round) | write attempts / turn "
        "| HTTP requests / turn |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        median_round = statistics.median(r.round_seconds)
        attempts = statistics.mean(r.round_writes) / WRITERS
        http = f"{statistics.mean(r.round_http) / WRITERS:.1f}" if r.backend == "s3 (moto)" else "-"
        lines.append(
            f"| {r.backend} | {median_round:.3f} | {WRITERS / median_round:.0f} | {attempts:.1f} | {http} |"
        )
    lines += [
        "",
        "A turn costs 1 store read (the engine's history load, which `append` starts from) and 1 write; "
        "each lost race costs one more read and one more write. On S3 a read is one GET and a write "
        "one PUT; the first turn of a session skips the load (the session is new). The S3 milliseconds "
        "are moto's request handling on this machine, not AWS latency (real S3 answers in tens of "
        "milliseconds per request); the request counts carry over to AWS.",
    ]
    return "\n".join(lines) + "\n"


async def main(write: bool, repeats: int) -> int:
    os.environ.update(FAKE_CREDENTIALS)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
        os.environ.pop(name, None)
    server = MotoS3Server().start()
    try:
        bucket = f"twin-bench-{uuid.uuid4().hex[:12]}"
        boto3.client("s3", endpoint_url=server.endpoint).create_bucket(Bucket=bucket)
        on_files, on_s3 = Result("file"), Result("s3 (moto)")
        for repetition in range(repeats):
            with tempfile.TemporaryDirectory(prefix="twin-bench-") as tmp:
                counts = Counts()
                await measure(on_files, counted(FileStore(Path(tmp)), counts), counts)
            counts = Counts()
            s3 = S3Store(bucket, f"bench-{repetition}/", endpoint_url=server.endpoint)
            await measure(on_s3, counted(s3, counts), counts)
    finally:
        server.stop()
    section = render([on_files, on_s3], version("moto"), repeats)
    print(section)
    if write:
        write_section("store", section)
        print("updated docs/benchmarks.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print the figures only")
    parser.add_argument("--repeat", type=int, default=3, metavar="N", help="repetitions (default 3)")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(write=not args.no_write, repeats=args.repeat)))
