"""Soak: many visitors for minutes against the app on uvicorn, with a slow upstream model that fails.

Run from the repository root:

    .venv/bin/python -m bench.soak_bench [--minutes 3] [--visitors 50] [--quick] [--no-write]

Two servers run the real app (`uvicorn service.entry.asgi:app` on 127.0.0.1, file memory, OpenAI provider,
rate limits off): `strict` answers a failed model call with 503 + Retry-After, `fallback` has
TWIN_FALLBACK_OFFLINE=true. Both talk to one local OpenAI-compatible upstream (a separate process)
that answers slowly, word by word, and on a share of requests fails: HTTP 500, 429 with and without
Retry-After, a hang beyond the twin's model timeout, a stream cut half-way, malformed JSON.

Visitors (half on each server) hold conversations of a few turns through /chat and /chat/stream
alike, with think time between messages. Every message carries an idempotency key; a visitor retries
the same message with the same key after a 503, an error event, a cut stream, a dropped connection
or its own timeout, honouring Retry-After.

Afterwards every stored conversation is checked against what its visitor saw succeed: each turn
stored exactly once, in order, with the reply the visitor got; no user message without its reply;
no stored conversation that no visitor knows of. The spend cap is on (with budgets never reached):
its day and month counters must hold exactly the tokens the turn log lines say were charged. The
servers' resident memory (VmRSS), threads and open files are sampled every second; the figures
replace the "soak" section of docs/benchmarks.md. Exits 1 if a check fails or memory grows by 10%
or more.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import msgspec

from bench.report import write_section
from bench.served import free_port, twin_env, wait_until_healthy
from memory import file_memory
from memory.model import Conversation
from service.chat.budget import COLLECTION as BUDGET
from service.chat.budget import Spend
from tests.support.fake_openai import CutStream, Fail, FakeOpenAI, Hang, JSONObject, Malformed, Reply, Script

#: What the upstream does with each request: (kind, share). About one request in five fails.
UPSTREAM_MIX: tuple[tuple[str, float], ...] = (
    ("slow reply", 0.80),
    ("500", 0.04),
    ("429 + Retry-After", 0.03),
    ("429", 0.03),
    ("hang", 0.03),
    ("cut stream", 0.04),
    ("malformed JSON", 0.03),
)
#: Seconds between the words of a reply (the whole reply, when not streamed, arrives after their sum).
WORD_DELAY = (0.01, 0.06)
WORDS_PER_REPLY = (8, 30)
#: The twin's model timeout and retries (TWIN_LLM_TIMEOUT_SECONDS, TWIN_LLM_MAX_RETRIES).
LLM_TIMEOUT = 3.0
LLM_RETRIES = 1
#: A hang lasts well beyond the model timeout: the twin gives up on it, the upstream does not.
HANG_SECONDS = 20.0
#: How long a visitor waits for one attempt before giving up on it and retrying. Shorter than the
#: twin's slowest success (a hang, a retry, a slow reply), so some retries race their original.
VISITOR_TIMEOUT = 4.0
MAX_ATTEMPTS = 10
THINK_SECONDS = (0.2, 1.5)
TURNS_PER_CONVERSATION = (3, 10)
QUESTIONS = (
    "Where do you work?",
    "What did you study?",
    "What are you proud of?",
    "Which languages do you use?",
    "How do you run a team?",
    "What would you do differently?",
)
WORDS = ("the", "twin", "answers", "from", "the", "persona", "only", "and", "says", "so", "when", "unsure")


# ------------------------------------------------------------------------------------------ upstream


class SoakUpstream(FakeOpenAI):
    """The test upstream, drawing each request's answer from `UPSTREAM_MIX` (seeded, reproducible).

    Nothing is recorded: a soak sends tens of thousands of requests.
    """

    def __init__(self, seed: int) -> None:
        super().__init__()
        self._rng = random.Random(seed)
        self.drawn: Counter[str] = Counter()
        self._replies = 0

    def _record_and_next(self, body: JSONObject, headers: dict[str, str]) -> Script:
        with self._lock:
            kinds, weights = zip(*UPSTREAM_MIX, strict=True)
            kind = self._rng.choices(kinds, weights)[0]
            self.drawn[kind] += 1
            self._replies += 1
            return self._script(kind, stream=body.get("stream") is True, number=self._replies)

    def _script(self, kind: str, *, stream: bool, number: int) -> Script:
        rng = self._rng
        words = [f"Reply {number}:"] + [rng.choice(WORDS) for _ in range(rng.randint(*WORDS_PER_REPLY) - 1)]
        pieces = (*(word + " " for word in words[:-1]), words[-1] + ".")
        delay = rng.uniform(*WORD_DELAY)
        if kind == "500":
            return Fail(500)
        if kind == "429 + Retry-After":
            return Fail(429, retry_after=1)
        if kind == "429":
            return Fail(429)
        if kind == "hang":
            return Hang(HANG_SECONDS)
        if kind == "cut stream":
            return CutStream(rng.randint(1, len(pieces) - 1), pieces)
        if kind == "malformed JSON":
            return Malformed()
        return Reply(pieces, delay=delay if stream else delay * len(pieces))


def run_upstream(seed: int, conn: Connection) -> None:
    """The upstream's own process: sends its base URL, serves until told to stop, sends its counts."""
    upstream = SoakUpstream(seed).start()
    conn.send(upstream.base_url)
    conn.recv()
    conn.send(dict(upstream.drawn))
    upstream.stop(timeout=1.0)


# -------------------------------------------------------------------------------------------- server


@dataclass
class Sample:
    at: float
    rss_kb: int
    threads: int
    fds: int


@dataclass
class Server:
    name: str
    fallback: bool
    process: subprocess.Popen[bytes]
    url: str
    memory_dir: Path
    log: Path
    samples: list[Sample] = field(default_factory=list)


def start_server(name: str, fallback: bool, upstream_url: str, work: Path) -> Server:
    """The app as deployed on a machine: uvicorn, file memory, the OpenAI provider, limits off."""
    home = work / name
    home.mkdir()
    port = free_port()
    env = twin_env(upstream_url, home, "gpt-fake") | {
        "TWIN_LLM_TIMEOUT_SECONDS": str(LLM_TIMEOUT),
        "TWIN_LLM_MAX_RETRIES": str(LLM_RETRIES),
        "TWIN_FALLBACK_OFFLINE": "true" if fallback else "false",
        "MEMORY_DIR": str(home / "conversations"),
        "TWIN_LOG_LEVEL": "INFO",
    }
    log = home / "server.log"
    command = [sys.executable, "-m", "uvicorn", "service.entry.asgi:app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--no-access-log", "--timeout-graceful-shutdown", "15"]
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=home, env=env, stdout=output, stderr=subprocess.STDOUT)
    server = Server(name, fallback, process, f"http://127.0.0.1:{port}", home / "conversations", log)
    wait_until_healthy(process, server.url, log, f"server {name}")
    return server


def sample(server: Server, started: float) -> None:
    pid = server.process.pid
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    rss_kb = int(fields["VmRSS"].split()[0])
    threads = int(fields["Threads"])
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    server.samples.append(Sample(time.monotonic() - started, rss_kb, threads, fds))


async def sample_forever(servers: Sequence[Server], started: float) -> None:
    while True:
        for server in servers:
            if server.process.poll() is None:
                sample(server, started)
        await asyncio.sleep(1.0)


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


# ------------------------------------------------------------------------------------------ visitors


@dataclass
class Attempt:
    endpoint: str
    #: ok, 503, http <status>, error event, cut stream, timeout, connection error
    outcome: str
    seconds: float


@dataclass
class Turn:
    message: str
    key: str
    endpoint: str
    reply: str | None = None
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.reply is not None


@dataclass
class Visit:
    """One conversation as its visitor saw it."""

    server: str
    session_id: str | None = None
    turns: list[Turn] = field(default_factory=list)


@dataclass
class Result:
    """What one attempt came back with."""

    outcome: str
    session_id: str | None = None
    reply: str | None = None
    retry_after: float | None = None


async def post_chat(client: httpx.AsyncClient, body: dict[str, Any]) -> Result:
    response = await client.post("/chat", json=body)
    if response.status_code == 200:
        data = response.json()
        return Result("ok", data["session_id"], data["response"])
    return _failed(response.status_code, response.headers.get("retry-after"))


async def post_stream(client: httpx.AsyncClient, body: dict[str, Any]) -> Result:
    """One attempt on /chat/stream, read to its `done` or `error` event."""
    async with client.stream("POST", "/chat/stream", json=body) as response:
        if response.status_code != 200:
            await response.aread()
            return _failed(response.status_code, response.headers.get("retry-after"))
        event, deltas = "", []
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                data = json.loads(line.removeprefix("data:").strip())
                if event == "delta":
                    deltas.append(data["text"])
                elif event == "done":  # its response is the reply as stored, the one to show
                    replaced = "".join(deltas) != data["response"]
                    outcome = "ok, another attempt's reply kept" if replaced else "ok"
                    return Result(outcome, data["session_id"], data["response"])
                elif event == "error":
                    return Result("error event", retry_after=data.get("retry_after"))
        return Result("cut stream")


def _failed(status: int, retry_after: str | None) -> Result:
    wait = float(retry_after) if retry_after and retry_after.isdigit() else None
    return Result("503" if status == 503 else f"http {status}", retry_after=wait)


async def send(
    client: httpx.AsyncClient, visit: Visit, message: str, endpoint: str, rng: random.Random
) -> Turn:
    """A message until it is answered (at most MAX_ATTEMPTS), always with the same idempotency key."""
    turn = Turn(message, secrets.token_urlsafe(18), endpoint)
    post = post_chat if endpoint == "/chat" else post_stream
    for _ in range(MAX_ATTEMPTS):
        body: dict[str, Any] = {"message": message, "idempotency_key": turn.key}
        if visit.session_id:
            body["session_id"] = visit.session_id
        started = time.perf_counter()
        try:
            async with asyncio.timeout(VISITOR_TIMEOUT):
                result = await post(client, body)
        except TimeoutError:
            result = Result("timeout")
        except httpx.TransportError:
            result = Result("connection error")
        turn.attempts.append(Attempt(endpoint, result.outcome, time.perf_counter() - started))
        if result.reply is not None:
            turn.reply = result.reply
            visit.session_id = result.session_id
            return turn
        backoff = rng.uniform(0.3, 1.0)
        await asyncio.sleep(min(result.retry_after or backoff, 5.0))
    return turn


async def visitor(
    number: int, client: httpx.AsyncClient, server: str, until: float, seed: int, visits: list[Visit]
) -> None:
    rng = random.Random(seed * 1000 + number)
    conversation = 0
    while time.monotonic() < until:
        conversation += 1
        visit = Visit(server)
        visits.append(visit)
        for turn_number in range(rng.randint(*TURNS_PER_CONVERSATION)):
            if time.monotonic() >= until:
                break
            question = rng.choice(QUESTIONS)
            message = f"[visitor {number}, conversation {conversation}, turn {turn_number + 1}] {question}"
            endpoint = rng.choice(("/chat", "/chat/stream"))
            visit.turns.append(await send(client, visit, message, endpoint, rng))
            if visit.session_id is None:
                break  # the first message was never answered: this conversation never started
            await asyncio.sleep(rng.uniform(*THINK_SECONDS))


# ------------------------------------------------------------------------------------------- checks


@dataclass
class Integrity:
    conversations: int = 0
    turns_seen: int = 0
    turns_stored: int = 0
    lost: int = 0
    duplicated: int = 0
    half_stored: int = 0
    reply_differs: int = 0
    out_of_order: int = 0
    #: Stored although the visitor gave up on the message (after MAX_ATTEMPTS): not an error.
    stored_after_giving_up: int = 0
    given_up: int = 0
    #: Stored conversations no visitor knows of (a retried first message that started a second one).
    orphans: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (
            self.lost
            or self.duplicated
            or self.half_stored
            or self.reply_differs
            or self.out_of_order
            or self.orphans
        )


def check(visits: Iterable[Visit], stored: dict[str, Conversation]) -> Integrity:
    """Every stored conversation against what its visitor saw succeed."""
    result = Integrity()
    known: set[str] = set()
    for visit in visits:
        result.given_up += sum(1 for t in visit.turns if not t.ok)
        if visit.session_id is None:
            continue
        known.add(visit.session_id)
        result.conversations += 1
        conversation = stored.get(visit.session_id)
        messages = conversation.messages if conversation else ()
        _check_one(result, visit, messages)
    for session_id, conversation in stored.items():
        if session_id not in known:
            result.orphans += 1
            _check_alternation(result, session_id, conversation.messages)
            result.problems.append(f"{session_id}: stored, but no visitor was ever told of it")
    return result


def _check_alternation(result: Integrity, session_id: str, messages: Sequence[Any]) -> None:
    roles = [m.role for m in messages]
    if roles != ["user", "assistant"] * (len(roles) // 2) or len(roles) % 2:
        result.half_stored += 1
        result.problems.append(f"{session_id}: roles {roles} do not alternate user/assistant")


def _check_one(result: Integrity, visit: Visit, messages: Sequence[Any]) -> None:
    assert visit.session_id is not None
    _check_alternation(result, visit.session_id, messages)
    stored_turns = [
        (m.idempotency_key, m.content, messages[i + 1].content if i + 1 < len(messages) else None)
        for i, m in enumerate(messages)
        if m.role == "user"
    ]
    result.turns_stored += len(stored_turns)
    keys = Counter(key for key, _, _ in stored_turns)
    for turn in visit.turns:
        if not turn.ok:
            if keys[turn.key]:
                result.stored_after_giving_up += 1
            if keys[turn.key] > 1:
                result.duplicated += keys[turn.key] - 1
                result.problems.append(f"{visit.session_id}: {turn.message!r} stored {keys[turn.key]} times")
            continue
        result.turns_seen += 1
        if keys[turn.key] == 0:
            result.lost += 1
            result.problems.append(f"{visit.session_id}: {turn.message!r} answered but not stored")
        elif keys[turn.key] > 1:
            result.duplicated += keys[turn.key] - 1
            result.problems.append(f"{visit.session_id}: {turn.message!r} stored {keys[turn.key]} times")
        else:
            stored_reply = next(reply for key, _, reply in stored_turns if key == turn.key)
            if stored_reply != turn.reply:
                result.reply_differs += 1
                result.problems.append(f"{visit.session_id}: {turn.message!r} reply differs from stored")
    seen_order = [t.key for t in visit.turns if keys[t.key]]
    stored_order = list(dict.fromkeys(key for key, _, _ in stored_turns))
    if seen_order != stored_order:
        foreign = [key for key in stored_order if key not in {t.key for t in visit.turns}]
        result.out_of_order += 1
        result.problems.append(f"{visit.session_id}: stored order differs ({len(foreign)} unknown keys)")


async def load_stored(memory_dir: Path) -> dict[str, Conversation]:
    store = file_memory(memory_dir).conversations
    return {c.session_id: c for c in await store.conversations()}


async def load_spend(memory_dir: Path) -> tuple[Spend, Spend]:
    """The spend cap's day and month counters, each summed over the periods the run touched."""
    records = await file_memory(memory_dir).records.items(BUDGET)
    totals = (Spend(), Spend())
    for key, record in records.items():
        counter = msgspec.convert(record.value, Spend)
        total = totals[0] if key.startswith("day-") else totals[1]
        total.tokens += counter.tokens
        total.turns += counter.turns
    return totals


def _charged(line: dict[str, Any]) -> bool:
    """Whether a logged turn was charged to the spend cap, as its log line says: a stored turn that
    used the model, or a failed or aborted one whose model call had started."""
    return bool(line.get("charged"))


def _charged_tokens(lines: Iterable[dict[str, Any]]) -> int:
    return sum(int(line["charged_tokens"]) for line in lines if _charged(line))


# ------------------------------------------------------------------------------------------- report


def turn_log(log: Path) -> list[dict[str, Any]]:
    """The server's one JSON line per turn (`twin.turns`)."""
    lines = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if "twin.turns" in line and "{" in line:
            lines.append(json.loads(line[line.index("{") :]))
    return lines


def p95(values: Sequence[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def seconds(values: Sequence[float]) -> str:
    if not values:
        return "- | -"
    return f"{statistics.median(values):.2f} | {p95(values):.2f}"


def memory_row(server: Server, window: float) -> tuple[str, float]:
    samples = server.samples
    end = samples[-1].at
    first = [s.rss_kb for s in samples if s.at <= window]
    last = [s.rss_kb for s in samples if s.at >= end - window]
    ratio = statistics.median(last) / statistics.median(first)
    threads = f"{samples[0].threads} -> {samples[-1].threads} (max {max(s.threads for s in samples)})"
    fds = f"{samples[0].fds} -> {samples[-1].fds} (max {max(s.fds for s in samples)})"
    windows: dict[int, list[int]] = {}
    for s in samples:
        windows.setdefault(int(s.at // window), []).append(s.rss_kb)
    trend = " / ".join(f"{statistics.median(values) / 1024:.1f}" for _, values in sorted(windows.items()))
    row = (
        f"| {server.name} | {len(samples)} | {statistics.median(first) / 1024:.1f} "
        f"| {statistics.median(last) / 1024:.1f} | {ratio:.3f} | {max(s.rss_kb for s in samples) / 1024:.1f} "
        f"| {trend} | {threads} | {fds} |"
    )
    return row, ratio


def render(
    servers: Sequence[Server],
    visits: Sequence[Visit],
    integrity: dict[str, Integrity],
    drawn: dict[str, int],
    spend: dict[str, tuple[Spend, Spend]],
    args: argparse.Namespace,
    active_seconds: float,
) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    window = min(60.0, active_seconds / 3)
    lines = [
        "## Soak: visitors for minutes against a failing upstream "
        f"(`python -m bench.soak_bench --minutes {args.minutes:g} --visitors {args.visitors}`)",
        "",
        f"Measured {when}; Python {platform.python_version()} on {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs. {args.visitors} visitors for "
        f"{active_seconds / 60:.1f} minutes (seed {args.seed}), half on each of two uvicorn servers "
        "running the app with file memory, rate limits off, the spend cap counting (budgets never "
        "reached) and the OpenAI provider (model timeout "
        f"{LLM_TIMEOUT:.0f} s, {LLM_RETRIES} retry): `strict` answers a failed model call with 503, "
        "`fallback` answers offline (TWIN_FALLBACK_OFFLINE). Visitors think "
        f"{THINK_SECONDS[0]}-{THINK_SECONDS[1]} s between messages, pick /chat or /chat/stream per "
        f"message, wait at most {VISITOR_TIMEOUT:.0f} s per attempt and retry with the same "
        "idempotency key, honouring Retry-After.",
        "",
        "Upstream requests by what the test upstream did (words arrive "
        f"{WORD_DELAY[0] * 1000:.0f}-{WORD_DELAY[1] * 1000:.0f} ms apart, {WORDS_PER_REPLY[0]}-"
        f"{WORDS_PER_REPLY[1]} words; a hang lasts {HANG_SECONDS:.0f} s):",
        "",
        "| " + " | ".join(kind for kind, _ in UPSTREAM_MIX) + " |",
        "| " + " | ".join("---:" for _ in UPSTREAM_MIX) + " |",
        "| " + " | ".join(str(drawn.get(kind, 0)) for kind, _ in UPSTREAM_MIX) + " |",
        "",
        "Visitors' attempts by outcome, with latency (median | p95, seconds):",
        "",
        "| server | outcome | attempts | median s | p95 s |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for server in servers:
        attempts = [a for v in visits if v.server == server.name for t in v.turns for a in t.attempts]
        by_outcome: dict[str, list[float]] = {}
        for attempt in attempts:
            by_outcome.setdefault(f"{attempt.outcome} ({attempt.endpoint})", []).append(attempt.seconds)
        for outcome, values in sorted(by_outcome.items(), key=lambda item: -len(item[1])):
            lines.append(f"| {server.name} | {outcome} | {len(values)} | {seconds(values)} |")
    lines += [
        "",
        "Turns as the servers logged them (`twin.turns`; retries answered from memory, `replayed`, "
        "are left out): "
        "answered by the model, answered offline after a model failure (fallback), failed (503 or an "
        "`error` event: nothing stored), aborted (the visitor left mid-reply: nothing stored). "
        "Latencies are the server's own:",
        "",
        "| server | turns visitors saw answered | turns / s | requests / s | answered "
        "| fallback | failed | aborted | answered: median s | p95 s | fallback: median s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for server in servers:
        logged = turn_log(server.log)
        outcomes = Counter(line["outcome"] for line in logged)
        aborted = sum(1 for line in logged if line["error"] == "aborted")
        answered = [line["latency_ms"] / 1000 for line in logged if line["outcome"] == "answered"]
        fallback = [line["latency_ms"] / 1000 for line in logged if line["outcome"] == "fallback"]
        ok = sum(1 for v in visits if v.server == server.name for t in v.turns if t.ok)
        requests = sum(len(t.attempts) for v in visits if v.server == server.name for t in v.turns)
        lines.append(
            f"| {server.name} | {ok} | {ok / active_seconds:.1f} | {requests / active_seconds:.1f} "
            f"| {outcomes['answered']} | {outcomes['fallback']} "
            f"| {outcomes['error'] - aborted} | {aborted} | {seconds(answered)} "
            f"| {f'{statistics.median(fallback):.2f}' if fallback else '-'} |"
        )
    lines += [
        "",
        "Stored conversations checked against what each visitor saw succeed:",
        "",
        "| server | conversations | turns seen answered | turns stored | lost | duplicated "
        "| half-stored | reply differs | out of order | given up (stored anyway) | orphans |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for server in servers:
        i = integrity[server.name]
        lines.append(
            f"| {server.name} | {i.conversations} | {i.turns_seen} | {i.turns_stored} | {i.lost} "
            f"| {i.duplicated} | {i.half_stored} | {i.reply_differs} | {i.out_of_order} "
            f"| {i.given_up} ({i.stored_after_giving_up}) | {i.orphans} |"
        )
    lines += [
        "",
        "Lost: answered to the visitor but not stored. Duplicated: stored more than once in the "
        "conversation. Half-stored: a visitor's message without its reply. Reply differs: the stored "
        "reply is not the one the visitor got. Orphans: a stored conversation no visitor was told "
        "of (a first message whose attempt timed out, stored again by its retry elsewhere). Given up: "
        f"messages still unanswered after {MAX_ATTEMPTS} attempts (each may be stored once at most).",
        "",
        "The spend cap's counters (records store, budgets never reached) against the turns the servers "
        "logged as charged (`charged`, `charged_tokens`: stored turns that used the model, and failed "
        "or aborted turns whose model call had started):",
        "",
        "| server | turns charged (log) | tokens (log) | day counter turns | tokens | month counter turns "
        "| tokens | missing |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for server in servers:
        logged = [line for line in turn_log(server.log) if _charged(line)]
        tokens = _charged_tokens(logged)
        day, month = spend[server.name]
        missing = tokens - min(day.tokens, month.tokens)
        lines.append(
            f"| {server.name} | {len(logged)} | {tokens} | {day.turns} | {day.tokens} | {month.turns} "
            f"| {month.tokens} | {missing} |"
        )
    lines += [
        "",
        f"Server memory (VmRSS sampled every second; first and last {window:.0f} s compared):",
        "",
        "| server | samples | first MB (median) | last MB (median) | last / first | peak MB "
        f"| MB per {window:.0f} s (medians) | threads | open files |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for server in servers:
        lines.append(memory_row(server, window)[0])
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------- main


async def drive(servers: Sequence[Server], args: argparse.Namespace) -> tuple[list[Visit], float]:
    visits: list[Visit] = []
    started = time.monotonic()
    until = started + args.minutes * 60
    sampler = asyncio.create_task(sample_forever(servers, started))
    limits = httpx.Limits(max_connections=args.visitors * 2, max_keepalive_connections=args.visitors)
    clients = [httpx.AsyncClient(base_url=s.url, timeout=VISITOR_TIMEOUT + 5, limits=limits) for s in servers]
    try:
        async with asyncio.TaskGroup() as group:
            for number in range(args.visitors):
                index = number % len(servers)
                group.create_task(
                    visitor(number, clients[index], servers[index].name, until, args.seed, visits)
                )
        active = time.monotonic() - started
        await asyncio.sleep(2)  # a last memory sample or two after the load
    finally:
        sampler.cancel()
        for client in clients:
            await client.aclose()
    return visits, active


def main(args: argparse.Namespace) -> int:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    upstream = context.Process(target=run_upstream, args=(args.seed, theirs), daemon=True)
    upstream.start()
    upstream_url = ours.recv()
    servers: list[Server] = []
    with tempfile.TemporaryDirectory(prefix="twin-soak-") as tmp:
        work = Path(tmp)
        try:
            servers = [
                start_server("strict", False, upstream_url, work),
                start_server("fallback", True, upstream_url, work),
            ]
            print(f"soak: {args.visitors} visitors for {args.minutes:g} min on {len(servers)} servers")
            visits, active = asyncio.run(drive(servers, args))
        finally:
            for server in servers:
                stop_server(server)
            ours.send("stop")
            drawn: dict[str, int] = ours.recv() if upstream.is_alive() else {}
            upstream.join(timeout=5)
        integrity = {
            s.name: check(_visits_on(visits, s.name), asyncio.run(load_stored(s.memory_dir))) for s in servers
        }
        spend = {s.name: asyncio.run(load_spend(s.memory_dir)) for s in servers}
        section = render(servers, visits, integrity, drawn, spend, args, active)
        counted = all(
            _charged_tokens(turn_log(s.log)) == spend[s.name][0].tokens == spend[s.name][1].tokens
            for s in servers
        )
        ratios = [memory_row(s, min(60.0, active / 3))[1] for s in servers]
    print(section)
    for name, result in integrity.items():
        for problem in result.problems[:20]:
            print(f"{name}: {problem}", file=sys.stderr)
    clean = all(i.clean for i in integrity.values()) and counted
    flat = all(ratio < 1.10 for ratio in ratios)
    if args.write:
        write_section("soak", section)
        print("updated docs/benchmarks.md", file=sys.stderr)
    print(
        f"integrity {'clean' if clean else 'BROKEN'} (spend {'counted' if counted else 'MISCOUNTED'}); "
        f"memory {'flat' if flat else 'GROWING'}",
        file=sys.stderr,
    )
    return 0 if clean and flat else 1


def _visits_on(visits: Sequence[Visit], server: str) -> list[Visit]:
    return [v for v in visits if v.server == server]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="how long visitors keep coming (3)")
    parser.add_argument("--visitors", type=int, default=50, help="visitors at once (50)")
    parser.add_argument("--seed", type=int, default=8, help="seed of the upstream's and visitors' draws")
    parser.add_argument("--quick", action="store_true", help="30 seconds, 20 visitors, figures not written")
    parser.add_argument("--no-write", dest="write", action="store_false", help="print the figures only")
    parsed = parser.parse_args()
    if parsed.quick:
        parsed.minutes, parsed.visitors, parsed.write = 0.5, 20, False
    raise SystemExit(main(parsed))
