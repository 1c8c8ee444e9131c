"""Lambda package size and cold start: twin's package against the seed's stack, side by side.

    .venv/bin/python -m bench.lambda_bench [--runs 7]

Both packages are built the same way (pip wheels for manylinux2014_x86_64 / python3.12, pruned,
bytecode for 3.12, reproducible zip). The seed's stack (fastapi, pydantic, uvicorn, openai, boto3,
pypdf, mangum) runs a minimal app of the seed's shape (bench/seed_app). Cold start: a fresh python3.12
process that sees only the unzipped package (and, like the Lambda runtime, boto3) until the first
POST /chat response through the handler. Runs alternate between subjects; medians are reported.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

from bench.report import median, write_section
from service.packaging import (
    PackageOptions,
    build_package,
    compile_bytecode,
    find_python312,
    pip_install_for_lambda,
    prune,
    zip_reproducibly,
)
from tests.support.apigw import http_event
from tests.support.fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent
INVOKE = ROOT / "tests" / "support" / "lambda_invoke.py"
SEED_REQUIREMENTS = ["fastapi", "pydantic", "uvicorn", "openai", "boto3", "pypdf", "mangum"]
PERSONA_FILES = ("facts.json", "summary.md", "style.txt", "linkedin.pdf")


def build_seed(work: Path, *, with_boto3: bool) -> Path:
    staging = work / ("seed" if with_boto3 else "seed-noboto")
    staging.mkdir(parents=True)
    requirements = [r for r in SEED_REQUIREMENTS if with_boto3 or r != "boto3"]
    pip_install_for_lambda(requirements, staging, "x86_64")
    prune(staging)
    for name in ("server.py", "lambda_handler.py"):
        shutil.copy(ROOT / "bench" / "seed_app" / name, staging / name)
    (staging / "persona").mkdir()
    for name in PERSONA_FILES:
        shutil.copy(ROOT / "persona" / name, staging / "persona" / name)
    python = find_python312()
    if python:
        compile_bytecode(python, staging)
    output = work / f"{staging.name}.zip"
    zip_reproducibly(staging, output, bytecode=python is not None, log=lambda _: None)
    return output


def unzip(archive: Path, target: Path) -> Path:
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(target)
        return target


def cold_start(python: str, package: Path, runtime: Path, env: dict[str, str], memory: Path) -> float:
    shutil.rmtree(memory, ignore_errors=True)
    event = http_event("POST", "/chat", body=json.dumps({"message": "Where do you work?"}),
                       headers={"content-type": "application/json"})  # fmt: skip
    started = time.perf_counter()
    result = subprocess.run(
        [python, "-I", "-S", str(INVOKE), str(package), str(runtime)],
        input=json.dumps([event]), capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines or json.loads(lines[0]).get("statusCode") != 200:
        raise RuntimeError(f"cold start failed:\n{result.stdout[-1500:]}\n{result.stderr[-3000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    python = find_python312()
    if python is None:
        raise SystemExit("python3.12 is needed to measure cold starts")
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAI() as fake:
        work = Path(tmp)
        ours_zip = work / "twin.zip"
        build_package(PackageOptions(output=ours_zip, persona_dir=ROOT / "persona", build_dir=work / "build"))
        seed_zip = build_seed(work, with_boto3=True)
        seed_noboto_zip = build_seed(work, with_boto3=False)
        runtime = work / "runtime"
        pip_install_for_lambda(["boto3"], runtime, "x86_64")
        ours_dir = unzip(ours_zip, work / "ours")
        seed_dir = unzip(seed_noboto_zip, work / "seed-run")
        memory = work / "memory"
        base = {
            "PATH": os.environ.get("PATH", ""),
            "MEMORY_DIR": str(memory),
            "AWS_DEFAULT_REGION": "eu-west-1",
        }
        seed_env = {"PERSONA_DIR": str(seed_dir / "persona"), "HANDLER": "lambda_handler.handler"}
        subjects = {
            "twin, offline provider": (ours_dir, base | {"TWIN_PROVIDER": "offline"}),
            "twin, OpenAI provider (local test server)": (
                ours_dir, base | {"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "test"}),
            "seed stack, OpenAI (local test server)": (
                seed_dir, base | seed_env | {"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "test"}),
        }  # fmt: skip
        times: dict[str, list[float]] = {name: [] for name in subjects}
        for package, env in subjects.values():
            cold_start(python, package, runtime, env, memory)  # warm the page cache once
        for _ in range(args.runs):
            for name, (package, env) in subjects.items():
                times[name].append(cold_start(python, package, runtime, env, memory))
        sizes = {
            "twin": ours_zip.stat().st_size,
            "seed stack with boto3 (as the seed deployed it)": seed_zip.stat().st_size,
            "seed stack without boto3 (built like twin's)": seed_noboto_zip.stat().st_size,
        }
    seed_cold = median(times["seed stack, OpenAI (local test server)"])
    rows = [f"| {name} | {median(values) * 1000:.0f} ms | {median(values) / seed_cold:.2f} |"
            for name, values in times.items()]  # fmt: skip
    size_rows = [f"| {name} | {size / 1024 / 1024:.1f} MB | {size / sizes['twin']:.2f}x twin |"
                 for name, size in sizes.items()]  # fmt: skip
    body = "\n".join([
        "## Lambda package and cold start (`python -m bench.lambda_bench`)",
        "",
        "Zipped package size, built the same way (python3.12, manylinux2014_x86_64, "
        f"{time.strftime('%Y-%m-%d')}):",
        "",
        "| package | zipped | relative |", "| --- | --- | --- |", *size_rows,
        "",
        f"Cold start: fresh python3.12 process to the first POST /chat response through the handler, "
        f"median of {args.runs} alternating runs on this machine (2 cores):",
        "",
        "| subject | median | vs seed |", "| --- | --- | --- |", *rows,
    ])  # fmt: skip
    write_section("lambda", body)
    print(body)


if __name__ == "__main__":
    main()
