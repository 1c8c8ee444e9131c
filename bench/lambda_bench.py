"""Lambda package size and cold start: twin's package against the seed's stack, side by side.

    .venv/bin/python -m bench.lambda_bench [--runs 7]

Every package is built the same way (pip wheels for manylinux2014_x86_64 / python3.12, the same
pruning, sourceless bytecode for 3.12, reproducible deflate-9 zip). The seed's stack (fastapi,
pydantic, uvicorn, openai, boto3, pypdf, mangum) runs a minimal app of the seed's shape
(bench/seed_app), built twice: with boto3 bundled (as the seed deployed it) and without (as twin's
is built: the runtime provides it). Cold start: from starting a fresh python3.12 process that sees
only the unzipped package (and, like the Lambda runtime, boto3 and SnapStart's hooks library) to
its first POST /chat response through the handler (the process's exit is not counted); and, as
SnapStart restores them, from the restore to the first response (the after-restore hooks and the
first request; Lambda's loading of the snapshot cannot be measured here). Runs alternate between
subjects; medians are reported.
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
from infra.lambda_zip import (
    PackageOptions,
    build_package,
    compile_bytecode,
    find_python312,
    pip_install_for_lambda,
    prune,
    zip_reproducibly,
)
from tests.support.apigw import API_HOST, http_event
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


def zipped_by_top(archive: Path) -> dict[str, int]:
    """Compressed bytes per top-level entry (package, module or dist-info directory)."""
    sizes: dict[str, int] = {}
    for info in zipfile.ZipFile(archive).infolist():
        top = info.filename.split("/", 1)[0]
        sizes[top] = sizes.get(top, 0) + info.compress_size
    return sizes


def unzipped_size(archive: Path) -> tuple[int, int]:
    """Bytes and files once unzipped."""
    infos = zipfile.ZipFile(archive).infolist()
    return sum(info.file_size for info in infos), len(infos)


def unzip(archive: Path, target: Path) -> Path:
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(target)
        return target


def cold_start(
    python: str, package: Path, runtime: Path, env: dict[str, str], memory: Path, *, restored: bool = False
) -> float:
    """Seconds from starting the process to the first response line: what a visitor waits for. The
    process's exit is not counted (a Lambda container lives on after its first response).

    `restored`: SnapStart's part instead. The process imports and runs the before-snapshot hooks as
    Lambda does when it publishes a version; the clock starts at the restore, so it counts the
    after-restore hooks and the first request, not Lambda loading the snapshot (nothing here can)."""
    shutil.rmtree(memory, ignore_errors=True)
    event = http_event("POST", "/chat", body=json.dumps({"message": "Where do you work?"}),
                       headers={"content-type": "application/json"})  # fmt: skip
    started = time.perf_counter()
    with subprocess.Popen(
        [python, "-I", "-S", str(INVOKE), str(package), str(runtime)], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env | ({"LAMBDA_INVOKE_SNAPSTART": "1"} if restored else {}),
    ) as process:  # fmt: skip
        assert process.stdin and process.stdout and process.stderr
        if restored:
            snapshot = process.stdout.readline()
            if not snapshot.startswith('{"snapshot"'):
                raise RuntimeError(f"no snapshot:\n{snapshot}{process.stderr.read()[-3000:]}")
            started = time.perf_counter()
            process.stdin.write("\n")  # the restore
        process.stdin.write(json.dumps([event]))
        process.stdin.close()
        first = process.stdout.readline()
        elapsed = time.perf_counter() - started
        rest, errors = process.stdout.read(), process.stderr.read()
        process.wait(timeout=120)
    if process.returncode != 0 or not first or json.loads(first).get("statusCode") != 200:
        raise RuntimeError(f"cold start failed:\n{first}{rest[-1500:]}\n{errors[-3000:]}")
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
        pip_install_for_lambda(["boto3", "snapshot-restore-py"], runtime, "x86_64")
        ours_dir = unzip(ours_zip, work / "ours")
        seed_dir = unzip(seed_noboto_zip, work / "seed-run")
        seed_boto_dir = unzip(seed_zip, work / "seed-boto-run")
        memory = work / "memory"
        base = {
            "PATH": os.environ.get("PATH", ""),
            "MEMORY_DIR": str(memory),
            "AWS_DEFAULT_REGION": "eu-west-1",
            "TWIN_ALLOWED_HOSTS": API_HOST,  # the events' host, as the Pulumi program sets the API's
        }
        openai = {"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "test"}
        seed_env = base | openai | {"HANDLER": "lambda_handler.handler"}
        subjects = {
            TWIN_OFFLINE: (ours_dir, base | {"TWIN_PROVIDER": "offline"}),
            TWIN_OPENAI: (ours_dir, base | openai),
            SEED: (seed_dir, seed_env | {"PERSONA_DIR": str(seed_dir / "persona")}),
            SEED_BOTO: (seed_boto_dir, seed_env | {"PERSONA_DIR": str(seed_boto_dir / "persona")}),
        }
        times: dict[str, list[float]] = {name: [] for name in subjects}
        restored: dict[str, list[float]] = {name: [] for name in RESTORED}
        for package, env in subjects.values():
            cold_start(python, package, runtime, env, memory)  # warm the page cache once
        for _ in range(args.runs):
            for name, (package, env) in subjects.items():
                times[name].append(cold_start(python, package, runtime, env, memory))
                if name in restored:
                    restored[name].append(cold_start(python, package, runtime, env, memory, restored=True))
        packages = {"twin": ours_zip, SEED_BOTO: seed_zip, SEED: seed_noboto_zip}
        sizes = {name: (path.stat().st_size, *unzipped_size(path)) for name, path in packages.items()}
        ours, seeds = zipped_by_top(ours_zip), zipped_by_top(seed_noboto_zip)
        shared = {top: size for top, size in ours.items() if top in seeds}
    body = report(sizes, times, restored, args.runs, shared)
    write_section("lambda", body)
    print(body)


TWIN_OFFLINE = "twin, offline provider"
TWIN_OPENAI = "twin, OpenAI provider (local test server)"
SEED = "seed stack without boto3 (built like twin's)"
SEED_BOTO = "seed stack with boto3 (as the seed deployed it)"
#: Measured after a SnapStart restore as well (the seed's with boto3 would add nothing: its boto3 is
#: imported before the snapshot).
RESTORED = (TWIN_OFFLINE, TWIN_OPENAI, SEED)


def report(
    sizes: dict[str, tuple[int, int, int]],
    times: dict[str, list[float]],
    restored: dict[str, list[float]],
    runs: int,
    shared: dict[str, int],
) -> str:
    """The section for docs/benchmarks.md: sizes, then cold starts, each against the targets."""
    twin = sizes["twin"][0]
    largest = sorted(shared, key=shared.__getitem__, reverse=True)[:4]
    floor = (
        f"{mb(sum(shared.values()))} of twin's zip is in packages the seed's stack carries too "
        f"({', '.join(f'{top} {mb(shared[top])}' for top in largest)}, ...): with nothing else, twin's "
        f"zip would still be {sum(shared.values()) / sizes[SEED][0]:.2f} of the seed's without boto3."
    )
    size_rows = [f"| {name} | {mb(zipped)} | {mb(unzipped)} | {files} | {twin / zipped:.2f} |"
                 for name, (zipped, unzipped, files) in sizes.items()]  # fmt: skip
    medians = {name: median(values) for name, values in times.items()}
    cold_rows = [f"| {name} | {value * 1000:.0f} ms | {value / medians[SEED]:.2f} | "
                 f"{value / medians[SEED_BOTO]:.2f} |" for name, value in medians.items()]  # fmt: skip
    after = {name: median(values) for name, values in restored.items()}
    restored_rows = [f"| {name} | {value * 1000:.0f} ms | {value / after[SEED]:.2f} | "
                     f"{value / medians[SEED]:.2f} |" for name, value in after.items()]  # fmt: skip
    return "\n".join([
        "## Lambda package and cold start (`python -m bench.lambda_bench`)",
        "",
        "Every package built the same way: wheels for python3.12 on manylinux2014_x86_64, the same "
        "pruning, sourceless bytecode for 3.12, reproducible deflate-9 zip "
        f"({time.strftime('%Y-%m-%d')}). Target: twin's zip at most half the seed stack's "
        "(twin ÷ package ≤ 0.50).",
        "",
        "| package | zipped | unzipped | files | twin ÷ package |",
        "| --- | --- | --- | --- | --- |", *size_rows,
        "",
        floor,
        "",
        f"Cold start: from starting a fresh python3.12 process to its first POST /chat response through "
        f"the handler (its exit not counted), median of {runs} alternating runs on this machine "
        f"({os.cpu_count()} cores); boto3 comes from the runtime unless the package bundles it. "
        "Target: twin at most 0.7 of the seed stack's, with either provider.",
        "",
        "| subject | median | ÷ seed without boto3 | ÷ seed with boto3 |",
        "| --- | --- | --- | --- |", *cold_rows,
        "",
        "With SnapStart (the prod stack's buffered function), Lambda imports the package and runs the "
        "before-snapshot hooks once, when it publishes a version; a cold start is then Lambda loading "
        "the snapshot, the after-restore hooks (twin re-seeds, reads its key again and builds the app "
        "anew; the seed's stack has none) and the first request. Measured here from the restore to the "
        f"first response, median of {runs} runs beside the ones above; the loading itself is not in "
        "these figures, nothing here can measure it (Lambda reports it as `Restore Duration`).",
        "",
        "| subject | after a restore | ÷ seed after a restore | ÷ seed's cold start without SnapStart |",
        "| --- | --- | --- | --- |", *restored_rows,
    ])  # fmt: skip


def mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


if __name__ == "__main__":
    main()
