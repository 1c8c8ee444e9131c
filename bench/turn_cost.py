"""What a turn costs: the seed's design and twin side by side against the same local model server.

    .venv/bin/python -m bench.turn_cost [--rounds 3] [--profile DIR] [--no-write]

In one run, both apps serve real HTTP (uvicorn on 127.0.0.1, on uvloop and httptools, which twin's
dependencies install; the seed's design from bench/seed_app: FastAPI, the sync OpenAI client, JSON
files; twin with `twin serve`'s protocol, the OpenAI provider, file memory, rate limits off, the spend
cap counting but never reached; twin once more with the client's httpx transport instead of aiohttp)
against one local OpenAI-compatible upstream in its own
process (tests/support/fake_openai.py), which answers either at once or after 300 ms:

- load 1: 8 visitors x 25 turns each (one conversation each), instant model;
- load 2: 64 visitors x 3 turns each, a 300 ms model.

Two more rows calibrate the rest: the stack alone (bench/floor_app: Litestar and the official client
doing none of twin's work), and the upstream alone (the load generator, aiohttp, sending the same
turns straight to the upstream). Subjects alternate, each on a fresh server and memory, `--rounds`
times; medians are reported: turns per second, server CPU per turn (the server process's user + system
time over the load), and the latency visitors saw minus the upstream's (p50 / p95). With `--profile`,
py-spy samples twin's server during each load (flame graphs in DIR).

Then one 30-turn conversation of ~200-token visitor messages goes through both apps, and the upstream
records every prompt: prompt tokens per turn, the share of each prompt that repeats the previous one
from its start (what OpenAI's and Anthropic's prompt caches can reuse), and the cost of 1,000
five-turn conversations at gpt-4o-mini list prices, with and without cache hits. Twin's previous
window (the newest turns that fit, sliding by one turn) is replayed on the same conversation for
comparison. Figures replace the "turn-cost" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp

from bench.report import write_section
from bench.served import free_port, twin_env, wait_until_healthy
from memory import Message
from service.providers.pricing import PRICES
from service.providers.tokens import count_tokens, estimate_tokens
from tests.support.fake_openai import FakeOpenAI, JSONObject, Reply, Script

ROOT = Path(__file__).resolve().parent.parent
SEED_APP = ROOT / "bench" / "seed_app"
FLOOR_APP = ROOT / "bench" / "floor_app"
#: The seed's design calls this model (bench/seed_app/server.py); prices are its list prices.
MODEL = "gpt-4o-mini"
HISTORY_BUDGET = 3000
#: OpenAI caches prompts of at least 1,024 tokens, in steps of 128 tokens.
CACHE_MINIMUM, CACHE_STEP = 1024, 128

REPLY = (
    "Thanks for asking. At Corvina Pay I lead the platform team that runs the payment services, "
    "and most of my week goes to reliability work, reviews and helping the team ship safely."
)
QUESTION = "What do you do at Corvina Pay?"
#: A visitor message of about 200 tokens for the long conversation; each turn varies its opening.
LONG_MESSAGE = (
    "I'm hiring for a platform lead and I read your profile with interest. Our company runs a payment "
    "network across four countries, with about sixty engineers in eight teams, and we are moving our "
    "services from virtual machines to Kubernetes over the next year. The platform team would own the "
    "clusters, the deployment pipeline, the observability stack and the incident process, and would "
    "work closely with security on compliance. I'd like to understand how you approached similar work "
    "before: how you decided what the platform team owns and what product teams own, how you measured "
    "whether the platform was helping, what went wrong along the way and what you would do "
    "differently now. Please be concrete, with examples from your own roles if you can."
)


@dataclass(frozen=True)
class Load:
    name: str
    visitors: int
    turns: int
    delay: float


LOADS = (
    Load("8 visitors x 25 turns, instant model", 8, 25, 0.0),
    Load("64 visitors x 3 turns, 300 ms model", 64, 3, 0.3),
)
SEED, FLOOR, TWIN, TWIN_HTTPX = "seed design", "stack alone", "twin", "twin, httpx transport"
#: The subjects of the two loads; twin calls the model through aiohttp (TWIN_HTTP_CLIENT's `auto` where
#: it is installed), and once more through the client's default httpx, to show what that choice buys.
#: The stack alone (bench/floor_app) is Litestar and the official client doing none of twin's work.
SUBJECTS = (SEED, FLOOR, TWIN_HTTPX, TWIN)
#: The load generator sending the subjects' requests straight to the upstream: its own floor.
UPSTREAM_ALONE = "upstream alone"
TRANSPORTS = {TWIN: "aiohttp", TWIN_HTTPX: "httpx"}
#: Every subject keeps a visitor's connection this long between requests. The seed's design blocks its
#: event loop during each model call; on uvloop, which runs due timers before it reads the sockets, a
#: 5-second keep-alive then closed connections a visitor had just sent its next request on (reset by
#: peer). The bench's visitors are never idle, so no subject needs to close theirs.
KEEP_ALIVE_SECONDS = 600
#: The HTTP protocol `twin serve` runs (uvicorn's httptools one with its limits on slow clients).
SERVE_PROTOCOL = "service.entry.serving:RequestDeadlineProtocol"


# ------------------------------------------------------------------------------------------ upstream


class BenchUpstream(FakeOpenAI):
    """The test upstream answering every request with one reply; records prompts only when asked."""

    def __init__(self, delay: float, record: bool) -> None:
        super().__init__(default=Reply((REPLY,), delay=delay))
        self._record = record
        self.prompts: list[list[JSONObject]] = []

    def _record_and_next(self, body: JSONObject, headers: dict[str, str]) -> Script:
        if self._record:
            with self._lock:
                messages = body.get("messages")
                self.prompts.append(messages if isinstance(messages, list) else [])
        return self.default


def run_upstream(delay: float, record: bool, conn: Connection) -> None:
    """The upstream's own process: sends its base URL, serves until told to stop, sends its prompts."""
    upstream = BenchUpstream(delay, record).start()
    conn.send(upstream.base_url)
    conn.recv()
    conn.send(upstream.prompts)
    upstream.stop(timeout=1.0)


class Upstream:
    def __init__(self, delay: float, *, record: bool = False) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(target=run_upstream, args=(delay, record, theirs), daemon=True)
        self._process.start()
        self.base_url: str = self._conn.recv()

    def stop(self) -> list[list[JSONObject]]:
        self._conn.send("stop")
        prompts: list[list[JSONObject]] = self._conn.recv()
        self._process.join(timeout=5)
        return prompts


# -------------------------------------------------------------------------------------------- servers


@dataclass
class Server:
    subject: str
    process: subprocess.Popen[bytes]
    url: str
    home: Path


def start(subject: str, upstream_url: str, work: Path, **extra_env: str) -> Server:
    """One subject on uvicorn with its own memory directory (`extra_env` changes its settings)."""
    home = Path(tempfile.mkdtemp(prefix=subject.replace(" ", "-") + "-", dir=work))
    port = free_port()
    if subject == SEED:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("TWIN_", "OPENAI_", "AWS_"))}
        env = base | {"OPENAI_BASE_URL": upstream_url, "OPENAI_API_KEY": "sk-bench-not-a-real-key"}
        env |= {"PERSONA_DIR": str(ROOT / "persona"), "MEMORY_DIR": str(home / "memory")}
        command = ["-m", "uvicorn", "server:app", "--app-dir", str(SEED_APP)]
    elif subject == FLOOR:
        env = twin_env(upstream_url, home, MODEL)
        command = ["-m", "uvicorn", "server:app", "--app-dir", str(FLOOR_APP)]
    else:
        env = twin_env(upstream_url, home, MODEL) | {
            "TWIN_HISTORY_TOKEN_BUDGET": str(HISTORY_BUDGET),
            "MEMORY_DIR": str(home / "memory"),
            "TWIN_HTTP_CLIENT": TRANSPORTS[subject],
        }
        # `twin serve`'s protocol; uvicorn's own choices otherwise (uvloop and httptools, for all).
        command = ["-m", "uvicorn", "service.entry.asgi:app", "--http", SERVE_PROTOCOL]
    env |= extra_env
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"]
    command += ["--timeout-keep-alive", str(KEEP_ALIVE_SECONDS)]
    with open(home / "server.log", "wb") as log:
        process = subprocess.Popen([sys.executable, *command], cwd=home, env=env, stdout=log, stderr=log)
    server = Server(subject, process, f"http://127.0.0.1:{port}", home)
    wait_until_healthy(process, server.url, home / "server.log", subject)
    return server


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ----------------------------------------------------------------------------------------------- load


@dataclass
class Measured:
    turns: int
    seconds: float
    cpu_seconds: float
    latencies: list[float] = field(default_factory=list)
    failures: int = 0

    @property
    def turns_per_second(self) -> float:
        return self.turns / self.seconds

    @property
    def cpu_ms_per_turn(self) -> float:
        return self.cpu_seconds * 1000 / self.turns


#: The visitors' client. aiohttp, because httpx's connection pool delays concurrent requests by itself
#: (encode/httpx#3215): driven by httpx, the upstream alone answered 64 visitors 100-150 ms late at the
#: median, and a tenth of them about a second late; driven by aiohttp, under 10 and about 40 ms.
Post = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


def poster(session: aiohttp.ClientSession) -> Post:
    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with session.post(path, json=body) as response:
            response.raise_for_status()
            data: dict[str, Any] = await response.json()
            return data

    return post


async def chat(post: Post, message: str, session: str | None) -> tuple[str, str]:
    data = await post("/chat", {"message": message} | ({"session_id": session} if session else {}))
    return str(data["session_id"]), str(data["response"])


async def ask_upstream(post: Post, message: str, session: str | None) -> tuple[str, str]:
    """One request as a subject sends it, straight to the upstream (the load generator's own floor)."""
    messages = [{"role": "system", "content": "x" * 10_000}, {"role": "user", "content": message}]
    data = await post("/v1/chat/completions", {"model": MODEL, "messages": messages})
    return "", str(data["choices"][0]["message"]["content"])


async def visitor(post: Post, turn: Callable[[Post, str, str | None], Awaitable[tuple[str, str]]],
                  turns: int, result: Measured) -> None:  # fmt: skip
    session = None
    for _ in range(turns):
        started = time.perf_counter()
        try:
            session, _ = await turn(post, QUESTION, session)
        except aiohttp.ClientError:
            result.failures += 1
            continue
        result.latencies.append(time.perf_counter() - started)


async def drive(url: str, load: Load, pid: int | None = None) -> Measured:
    """`load` on the server at `url` (on the upstream itself when `pid` is None); CPU of process `pid`."""
    turn = chat if pid is not None else ask_upstream
    connector = aiohttp.TCPConnector(limit=load.visitors)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(url, connector=connector, timeout=timeout) as session:
        post = poster(session)
        await turn(post, QUESTION, None)  # warm up: first-request work is not what a turn costs
        cpu = cpu_seconds(pid) if pid is not None else 0.0
        result = Measured(turns=load.visitors * load.turns, seconds=0.0, cpu_seconds=0.0)
        started = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for _ in range(load.visitors):
                group.create_task(visitor(post, turn, load.turns, result))
        result.seconds = time.perf_counter() - started
        result.cpu_seconds = cpu_seconds(pid) - cpu if pid is not None else 0.0
    return result


def profiled(server: Server, out: Path | None, name: str) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the server (when asked for and installed)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if out is None or not Path(spy).exists():
        return None
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{name}.svg"
    command = [spy, "record", "--pid", str(server.process.pid), "--rate", "250", "--nonblocking"]
    command += ["-o", str(target)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run_loads(rounds: int, work: Path, profile: Path | None) -> dict[str, dict[str, list[Measured]]]:
    """Each load on each subject, and on the upstream alone, `rounds` times, alternating."""
    order = (*SUBJECTS, UPSTREAM_ALONE)
    results = {load.name: {subject: list[Measured]() for subject in order} for load in LOADS}
    for load in LOADS:
        upstream = Upstream(load.delay)
        try:
            for round_ in range(rounds):
                for subject in order if round_ % 2 == 0 else order[::-1]:
                    measured = run_load(subject, load, upstream, work, profile if round_ == 0 else None)
                    results[load.name][subject].append(measured)
                    print(
                        f"{load.name}, {subject}: {measured.turns_per_second:.1f} turns/s, "
                        f"{measured.cpu_ms_per_turn:.2f} CPU ms/turn, {measured.failures} failed",
                        file=sys.stderr,
                    )
        finally:
            upstream.stop()
    return results


def run_load(subject: str, load: Load, upstream: Upstream, work: Path, profile: Path | None) -> Measured:
    """`load` on a fresh server of `subject` (py-spy sampling twin's into `profile`)."""
    if subject == UPSTREAM_ALONE:
        return asyncio.run(drive(upstream.base_url.removesuffix("/v1"), load))
    server = start(subject, upstream.base_url, work)
    spy = profiled(server, profile if subject == TWIN else None, f"twin-{load.visitors}x{load.turns}")
    try:
        return asyncio.run(drive(server.url, load, server.process.pid))
    finally:
        stop(server)
        if spy is not None:
            spy.wait(timeout=60)


# ------------------------------------------------------------------------------------ conversation


@dataclass
class Conversation:
    """The prompts one subject sent for one conversation, and the replies it got."""

    subject: str
    prompts: list[list[JSONObject]]
    messages: list[str]
    replies: list[str]


def converse(subject: str, turns: int, work: Path) -> Conversation:
    upstream = Upstream(0.0, record=True)
    server = start(subject, upstream.base_url, work)
    messages = [f"(message {n + 1}) {LONG_MESSAGE}" for n in range(turns)]
    replies: list[str] = []

    async def talk() -> None:
        async with aiohttp.ClientSession(server.url, timeout=aiohttp.ClientTimeout(total=60)) as client:
            session = None
            for message in messages:
                session, reply = await chat(poster(client), message, session)
                replies.append(reply)

    try:
        asyncio.run(talk())
    finally:
        stop(server)
        prompts = upstream.stop()
    return Conversation(subject, prompts, messages, replies)


def sliding_window(conversation: Conversation) -> Conversation:
    """Twin's prompts as its previous history window (the newest turns that fit, sliding by one
    turn each time) would have built them, from the same conversation."""
    now = datetime.now(UTC)
    prompts = []
    history: list[Message] = []
    for prompt, message, reply in zip(conversation.prompts, conversation.messages, conversation.replies,
                                      strict=True):  # fmt: skip
        kept: list[Message] = []
        used = 0
        for stored in reversed(history):
            cost = estimate_tokens(stored.content) + 4
            if used + cost > HISTORY_BUDGET:
                break
            kept.append(stored)
            used += cost
        kept.reverse()
        while kept and kept[0].role != "user":
            kept.pop(0)
        window: list[JSONObject] = [{"role": m.role, "content": m.content} for m in kept]
        prompts.append([prompt[0], *window, {"role": "user", "content": message}])
        history += [Message(role="user", content=message, timestamp=now),
                    Message(role="assistant", content=reply, timestamp=now)]  # fmt: skip
    return Conversation("twin, previous window (replayed)", prompts, conversation.messages,
                        conversation.replies)  # fmt: skip


def rendered(prompt: Sequence[JSONObject]) -> str:
    """A prompt as the text a prefix cache compares: each message's role and content, in order."""
    return "".join(f"<|{m.get('role')}|>{m.get('content') or ''}" for m in prompt)


def tokens(text: str) -> int:
    return count_tokens(text, MODEL).tokens


@dataclass
class PromptFigures:
    subject: str
    per_turn: list[int]
    repeated: list[int]  # tokens of each prompt that repeat the previous prompt from its start
    completion: int  # tokens of one reply

    @property
    def share_after_first(self) -> float:
        return sum(self.repeated[1:]) / sum(self.per_turn[1:])


def prompt_figures(conversation: Conversation) -> PromptFigures:
    texts = [rendered(prompt) for prompt in conversation.prompts]
    per_turn = [tokens(text) for text in texts]
    repeated = [0]
    for before, text in itertools.pairwise(texts):
        same = next((i for i, (a, b) in enumerate(zip(before, text, strict=False)) if a != b), None)
        repeated.append(tokens(text[: min(len(before), len(text)) if same is None else same]))
    return PromptFigures(conversation.subject, per_turn, repeated, tokens(REPLY))


def cost_of_conversations(figures: PromptFigures, conversations: int, turns: int, cached: bool) -> float:
    """Dollars for `conversations` conversations of `turns` turns at gpt-4o-mini list prices; with
    `cached`, prompt tokens a prefix cache would serve (from the previous prompt of the conversation,
    and from the first turn's system prompt shared by every conversation) at the cached price."""
    price = PRICES[MODEL]
    total = 0.0
    for turn in range(turns):
        prompt = figures.per_turn[turn]
        hit = 0
        if cached:
            reusable = figures.repeated[turn] if turn else figures.repeated[1]
            hit = _cacheable(min(reusable, prompt))
        total += (prompt - hit) * price.input + hit * price.cached_input + figures.completion * price.output
    return total * conversations / 1_000_000


def _cacheable(tokens: int) -> int:
    return 0 if tokens < CACHE_MINIMUM else tokens - (tokens - CACHE_MINIMUM) % CACHE_STEP


# --------------------------------------------------------------------------------------------- report


def p(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def render(
    loads: dict[str, dict[str, list[Measured]]],
    figures: list[PromptFigures],
    persona_tokens: int,
    rounds: int,
    targets: Callable[[dict[str, dict[str, list[Measured]]], list[PromptFigures], int], list[str]],
) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Turn cost: the seed's design and twin side by side (`python -m bench.turn_cost`)",
        "",
        f"Measured {when}; Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs shared with other work (figures vary between runs; the ratios, taken in "
        "the same run, are what to compare). Every subject on uvicorn against one local "
        "OpenAI-compatible upstream in its own process; the load generator (aiohttp) runs on the same "
        "machine. *Upstream alone* is the load generator sending a subject's request straight to the "
        "upstream; *stack alone* is Litestar and the official client doing none of twin's work "
        f"(bench/floor_app). Medians of {rounds} alternating rounds, each on a fresh server and "
        "memory, after one warm-up request. Latency is what visitors saw minus the upstream's delay.",
        "",
        "| load | subject | turns/s | ÷ seed | server CPU ms / turn | p50 ms | p95 ms | failed |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for load in LOADS:
        medians = {}
        for subject in (UPSTREAM_ALONE, *SUBJECTS):
            runs = loads[load.name][subject]
            latencies = [value - load.delay for run in runs for value in run.latencies]
            medians[subject] = statistics.median(run.turns_per_second for run in runs)
            ratio = f"{medians[subject] / medians[SEED]:.2f}" if subject in SUBJECTS[1:] else ""
            cpu = statistics.median(run.cpu_ms_per_turn for run in runs)
            lines.append(
                f"| {load.name} | {subject} | {medians[subject]:.1f} | {ratio} "
                f"| {f'{cpu:.2f}' if subject != UPSTREAM_ALONE else ''} "
                f"| {p(latencies, 0.5) * 1000:.0f} | {p(latencies, 0.95) * 1000:.0f} "
                f"| {sum(run.failures for run in runs)} |"
            )
    turns = len(figures[0].per_turn)
    marks = [n for n in (1, 2, 5, 10, 15, 20, 25, 30) if n <= turns]
    lines += [
        "",
        f"One {turns}-turn conversation of ~{tokens(LONG_MESSAGE)}-token visitor messages (replies "
        f"{figures[0].completion} tokens), the example persona (its stable prompt {persona_tokens} "
        f"tokens with its date line), history budget {HISTORY_BUDGET} estimated tokens. Prompt tokens "
        "are counted with cl100k_base when the `tokens` extra is installed (else estimated); a "
        "prompt's repeated prefix is what it shares, from its start, with the previous prompt of "
        "the conversation:",
        "",
        "| subject | " + " | ".join(f"turn {n}" for n in marks) + " | largest | repeated prefix after turn 1 "
        f"| at turn {turns} |",
        "| --- | " + " | ".join("---:" for _ in marks) + " | ---: | ---: | ---: |",
    ]
    for figure in figures:
        lines.append(
            f"| {figure.subject} | "
            + " | ".join(str(figure.per_turn[n - 1]) for n in marks)
            + f" | {max(figure.per_turn)} | {figure.share_after_first:.0%} "
            f"| {figure.repeated[-1] / figure.per_turn[-1]:.0%} |"
        )
    price = PRICES[MODEL]
    lines += [
        "",
        f"Cost of 1,000 five-turn conversations like this one at {MODEL} list prices (input "
        f"${price.input}, cached input ${price.cached_input}, output ${price.output} per million "
        "tokens). With cache hits: each prompt's repeated prefix (and, on a first turn, the system "
        f"prompt every conversation shares) is billed as cached, counted as OpenAI does: from "
        f"{CACHE_MINIMUM} tokens, in steps of {CACHE_STEP}.",
        "",
        "| subject | without cache hits | with cache hits |",
        "| --- | ---: | ---: |",
    ]
    for figure in figures:
        lines.append(
            f"| {figure.subject} | ${cost_of_conversations(figure, 1000, 5, cached=False):.2f} "
            f"| ${cost_of_conversations(figure, 1000, 5, cached=True):.2f} |"
        )
    lines += ["", *targets(loads, figures, persona_tokens)]
    return "\n".join(lines) + "\n"


def target_lines(
    loads: dict[str, dict[str, list[Measured]]], figures: list[PromptFigures], persona_tokens: int
) -> list[str]:
    """Issue 17's targets against this run's figures, each said met or not."""

    def tps(load: Load, subject: str) -> float:
        return statistics.median(run.turns_per_second for run in loads[load.name][subject])

    instant, slow = LOADS
    ratio_instant = tps(instant, TWIN) / tps(instant, SEED)
    ratio_slow = tps(slow, TWIN) / tps(slow, SEED)
    p50, floor_p50 = (
        p([v - slow.delay for run in loads[slow.name][subject] for v in run.latencies], 0.5) * 1000
        for subject in (TWIN, FLOOR)
    )
    ratio_floor = tps(slow, FLOOR) / tps(slow, SEED)
    runs = ", ".join(
        f"+{p([v - slow.delay for v in run.latencies], 0.5) * 1000:.0f}" for run in loads[slow.name][TWIN]
    )
    twin = next(f for f in figures if f.subject == TWIN)
    bound = persona_tokens + HISTORY_BUDGET + tokens(LONG_MESSAGE)
    met = {True: "met", False: "**not met**"}
    return [
        "Targets (issue 17) in this run:",
        "",
        f"- instant model, twin at least 1.5x the seed's turns/s: {ratio_instant:.2f}x, "
        f"{met[ratio_instant >= 1.5]};",
        f"- 300 ms model, 64 visitors, at least 40x the seed: {ratio_slow:.0f}x, {met[ratio_slow >= 40]}; "
        f"p50 within 50 ms of the upstream's latency: +{p50:.0f} ms, {met[p50 <= 50]} (single runs: "
        f"{runs}; the stack alone: {ratio_floor:.0f}x, +{floor_p50:.0f} ms);",
        f"- 30-turn conversation, at least 90% of prompt tokens after turn 1 a repeated prefix: "
        f"{twin.share_after_first:.0%}, {met[twin.share_after_first >= 0.9]}; largest prompt "
        f"{max(twin.per_turn)} tokens within persona + history budget + message (~{bound}): "
        f"{met[max(twin.per_turn) <= bound]}.",
    ]


def persona_prompt_tokens(conversation: Conversation) -> int:
    """Tokens of twin's system message (the stable prompt and its date line)."""
    return tokens(str(conversation.prompts[0][0].get("content") or ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per load (3)")
    parser.add_argument("--turns", type=int, default=30, help="turns of the long conversation (30)")
    parser.add_argument("--profile", type=Path, help="write py-spy flame graphs of twin here")
    parser.add_argument("--no-write", dest="write", action="store_false", help="print the figures only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="twin-turn-cost-") as tmp:
        work = Path(tmp)
        loads = run_loads(args.rounds, work, args.profile)
        failed = sum(m.failures for subjects in loads.values() for runs in subjects.values() for m in runs)
        if failed:
            print(f"{failed} turns failed: the figures would not compare like with like", file=sys.stderr)
            return 1
        twin = converse(TWIN, args.turns, work)
        seed = converse(SEED, args.turns, work)
    twin.subject = TWIN
    figures = [prompt_figures(seed), prompt_figures(sliding_window(twin)), prompt_figures(twin)]
    body = render(loads, figures, persona_prompt_tokens(twin), args.rounds, target_lines)
    print(body)
    if args.write:
        write_section("turn-cost", body)
        print("updated docs/benchmarks.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
