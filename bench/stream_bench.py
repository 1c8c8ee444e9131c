"""Time to the first byte and to the last event of one reply: the streaming entry against the buffered one.

    .venv/bin/python -m bench.stream_bench [--runs 9] [--pieces 20] [--gap 0.05]

Both serve the same package (built as `twin package` builds it) under python3.12, seeing only the
unzipped package and the runtime's boto3, warm (each started once before the runs), with file memory
and the OpenAI provider on the local test server, which streams every turn the same reply: `--pieces`
pieces, `--gap` seconds before each. Both get POST /chat/stream. Streaming: the start script as the
Lambda Web Adapter starts it, timed from sending the request to the body's first byte, the first
`delta` event and the `done` event. Buffered: the Mangum handler invoked with an HTTP API event, timed
from the start of an invocation to its response, which is all three at once (API Gateway returns it
whole). Neither
includes AWS's network, API Gateway or the adapter: the figures show where the first words can
arrive, not what a visitor on a real stack measures. Runs alternate; medians are reported.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

import httpx

from bench.report import median, write_section
from infra.lambda_zip import PackageOptions, build_package, find_python312, pip_install_for_lambda
from tests.support.apigw import API_HOST, http_event
from tests.support.fake_openai import FakeOpenAI
from tests.support.web_adapter import AdaptedEntry

ROOT = Path(__file__).resolve().parent.parent
INVOKE = ROOT / "tests" / "support" / "lambda_invoke.py"
#: The same request to both entries: POST /chat/stream, as the web client sends it to either.
BODY = json.dumps({"message": "What do you do at Corvina Pay?"})


def unzip(archive: Path, target: Path) -> Path:
    """The package as Lambda unzips it: with its entries' modes (the start script stays executable)."""
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            Path(zipped.extract(info, target)).chmod((info.external_attr >> 16) & 0o777)
    return target


def streamed(entry: AdaptedEntry) -> tuple[float, float, float]:
    """Seconds to the body's first byte, to the first `delta` event (the first words) and to the `done`
    event of one POST /chat/stream."""
    headers = entry.headers("198.51.100.1", **{"content-type": "application/json"})
    started = time.perf_counter()
    first = words = None
    url = entry.url + "/chat/stream"
    with httpx.stream("POST", url, content=BODY, headers=headers, timeout=60) as response:
        received = b""
        for chunk in response.iter_raw():
            first = first or time.perf_counter()
            received += chunk
            if words is None and b"event: delta" in received:
                words = time.perf_counter()
            if b"event: done" in received and words is not None:
                return first - started, words - started, time.perf_counter() - started
    raise RuntimeError(f"the stream ended without a done event:\n{received.decode()[-2000:]}")


def buffered(python: str, task: Path, runtime: Path, env: dict[str, str], runs: int) -> list[float]:
    """Seconds per invocation of the handler for `runs` chat events, after one warm-up invocation."""
    event = http_event("POST", "/chat/stream", body=BODY, headers={"content-type": "application/json"})
    with subprocess.Popen(
        [python, "-I", "-S", str(INVOKE), str(task), str(runtime)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    ) as process:  # fmt: skip
        assert process.stdin and process.stdout
        process.stdin.write(json.dumps([event] * (runs + 1)))
        process.stdin.close()
        process.stdout.readline()  # the warm-up
        times, last = [], time.perf_counter()
        for _ in range(runs):
            line = process.stdout.readline()
            now = time.perf_counter()
            if json.loads(line).get("statusCode") != 200:
                raise RuntimeError(f"the handler failed: {line[:2000]}")
            times.append(now - last)
            last = now
        process.stdout.read()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--pieces", type=int, default=20)
    parser.add_argument("--gap", type=float, default=0.05)
    args = parser.parse_args()
    python = find_python312()
    if python is None:
        raise SystemExit("python3.12 is needed: the package's bytecode is for 3.12")
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAI() as fake:
        work = Path(tmp)
        archive = work / "lambda.zip"
        build_package(PackageOptions(output=archive, persona_dir=ROOT / "persona", build_dir=work / "build"))
        task = unzip(archive, work / "task")
        runtime = work / "runtime"
        pip_install_for_lambda(["boto3", "snapshot-restore-py"], runtime, "x86_64")
        fake.set_default(*[f"word{n} " for n in range(args.pieces)], delay=args.gap)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "MEMORY_DIR": str(work / "memory"),
            "OPENAI_BASE_URL": fake.base_url,
            "OPENAI_API_KEY": "test",
            "TWIN_RATE_LIMIT_PER_MINUTE": "0",
            "TWIN_SESSION_RATE_LIMIT_PER_MINUTE": "0",
            "TWIN_NEW_SESSIONS_PER_HOUR": "0",
            "TWIN_TOKENS_PER_IP_PER_MINUTE": "0",
            "TWIN_TOKENS_PER_IP_PER_DAY": "0",
            # the buffered handler's events name the API's host; the adapter's requests 127.0.0.1
            "TWIN_ALLOWED_HOSTS": f"{API_HOST},127.0.0.1",
            "TWIN_LOG_LEVEL": "INFO",
        }
        times: dict[str, list[float]] = {"first": [], "words": [], "last": [], "whole": []}
        with AdaptedEntry(task, runtime, python, env, work / "entry") as entry:
            streamed(entry)  # warm-up
            for _ in range(args.runs):
                for name, seconds in zip(("first", "words", "last"), streamed(entry), strict=True):
                    times[name].append(seconds)
                times["whole"].extend(buffered(python, task, runtime, env, 1))
    body = report(times, args.runs, args.pieces, args.gap)
    write_section("stream", body)
    print(body)


def report(times: dict[str, list[float]], runs: int, pieces: int, gap: float) -> str:
    """The section for docs/benchmarks.md."""
    ms = {name: median(values) * 1000 for name, values in times.items()}
    whole = ms["whole"]
    rows = [
        f"| streaming entry (start script, uvicorn) | {ms['first']:.0f} ms | {ms['words']:.0f} ms | "
        f"{ms['last']:.0f} ms |",
        f"| buffered entry (Mangum handler) | {whole:.0f} ms | {whole:.0f} ms | {whole:.0f} ms |",
        f"| streaming ÷ buffered | {ms['first'] / whole:.2f} | {ms['words'] / whole:.2f} | "
        f"{ms['last'] / whole:.2f} |",
    ]
    return "\n".join([
        "## Streaming against buffered replies (`python -m bench.stream_bench`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on this machine ({os.cpu_count()} cores), python3.12 seeing "
        "only the unzipped package and boto3, both entries warm, file memory, the OpenAI provider on the "
        f"local test server streaming every turn the same reply: {pieces} pieces, {gap * 1000:.0f} ms "
        f"before each (the model's first words after {gap * 1000:.0f} ms, its last after "
        f"{pieces * gap * 1000:.0f} ms). Both entries get POST /chat/stream, as the web client sends it. "
        f"Median of {runs} alternating runs each. Streaming is timed from sending the request to the "
        "body's first byte (the `session` event), to the first `delta` (the first words) and to `done`; "
        "buffered, from the start of an invocation to its response, which is all three at once (API "
        "Gateway returns it whole). No AWS network, API Gateway or adapter in either: the figures show "
        "when the first words can leave the function, not what a visitor on a real stack measures.",
        "",
        "| entry | first byte | first words | last event |",
        "| --- | ---: | ---: | ---: |",
        *rows,
    ])  # fmt: skip


if __name__ == "__main__":
    main()
