"""What the reply judge (TWIN_JUDGE) costs in latency and tokens, against the local test server.

    .venv/bin/python -m bench.judge_bench [--turns 20] [--model-delay 0.3]

Three settings side by side, alternating turn by turn: judge off; judge on and approving; judge on
and rejecting once (so the reply is regenerated). The test server answers each model call after
`--model-delay` seconds, standing in for a real model's latency; token counts are the server's.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bench.report import median, write_section
from service.app import build_twin
from service.settings import Settings
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.settings import settings_for, tweak

ROOT = Path(__file__).resolve().parent.parent
ANSWER = ("I lead the internal ", "developer platform ", "at Corvina Pay.")
APPROVE = ('{"supported": true, "unsupported_claims": []}',)
REJECT = ('{"supported": false, "unsupported_claims": ["a claim"]}',)


async def turn(
    fake: FakeOpenAI, settings: Settings, scripts: list[tuple[str, ...]], delay: float
) -> tuple[float, int]:
    fake.push(*(Reply(pieces=p, delay=delay) for p in scripts))
    twin = build_twin(settings)
    started = time.perf_counter()
    result = await twin.engine.reply("What do you do at Corvina Pay?", None)
    elapsed = time.perf_counter() - started
    await twin.close()
    return elapsed, result.usage.total


async def main_async(turns: int, delay: float) -> str:
    with FakeOpenAI() as fake, tempfile.TemporaryDirectory() as memory:
        base = settings_for(
            PERSONA_DIR=ROOT / "persona",
            MEMORY_DIR=Path(memory),
            OPENAI_API_KEY="sk-bench",
            OPENAI_BASE_URL=fake.base_url,
            TWIN_MODEL="gpt-fake",
            TWIN_LLM_MAX_RETRIES=0,
        )
        judged = tweak(base, TWIN_JUDGE=True)
        subjects = {
            "judge off": (base, [ANSWER]),
            "judge on, reply approved": (judged, [ANSWER, APPROVE]),
            "judge on, reply rejected and regenerated": (judged, [ANSWER, REJECT, ANSWER]),
        }
        figures: dict[str, list[tuple[float, int]]] = {name: [] for name in subjects}
        for _ in range(turns):
            for name, (settings, scripts) in subjects.items():
                figures[name].append(await turn(fake, settings, scripts, delay))
    off_latency = median([f[0] for f in figures["judge off"]])
    off_tokens = median([f[1] for f in figures["judge off"]])
    rows = []
    for name, values in figures.items():
        latency, tokens = median([v[0] for v in values]), median([v[1] for v in values])
        rows.append(f"| {name} | {latency * 1000:.0f} ms | {latency / off_latency:.2f} | {tokens:.0f} | "
                    f"{tokens / off_tokens:.2f} |")  # fmt: skip
    return "\n".join([
        "## Reply judge cost (`python -m bench.judge_bench`)",
        "",
        f"Median of {turns} alternating turns per setting; each model call takes {delay:.2f} s on the local "
        "test server; tokens are prompt + completion of every call in the turn.",
        "",
        "| setting | latency | vs off | tokens | vs off |", "| --- | --- | --- | --- | --- |", *rows,
    ])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--model-delay", type=float, default=0.3)
    args = parser.parse_args()
    body = asyncio.run(main_async(args.turns, args.model_delay))
    write_section("judge", body)
    print(body)


if __name__ == "__main__":
    main()
