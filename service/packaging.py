"""`twin package`: a reproducible AWS Lambda zip for the python3.12 runtime, built without Docker.

Dependencies come from pip for the Lambda platform (`--platform manylinux2014_* --python-version
3.12 --only-binary=:all: --implementation cp`); the project's packages and the compiled persona are
added; what the runtime never imports is left out; bytecode is compiled for 3.12 when a python3.12
exists. Entries are sorted and time-stamped 1980-01-01, so equal inputs give a byte-identical zip.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from persona_sources.compiled import COMPILED_NAME, write_compiled
from persona_sources.compose import compose_sources

REPO = Path(__file__).resolve().parent.parent
PROJECT_PACKAGES = ("service", "persona_sources", "memory")
Arch = Literal["x86_64", "arm64"]
PLATFORMS: dict[Arch, str] = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
#: Lambda's limits for a directly uploaded zip.
MAX_ZIPPED = 50 * 1024 * 1024
MAX_UNZIPPED = 250 * 1024 * 1024
#: Dependencies the Lambda runtime provides (boto3) or never imports (the local server, PDF parsing:
#: the package carries the compiled persona).
RUNTIME_PROVIDED = {"boto3", "botocore"}
NEVER_IMPORTED = {"uvicorn", "pypdf"}
#: Packages that dependencies pull in for their own CLIs, test factories or pretty printing, which
#: the app never imports (checked by tracing imports over every endpoint in the package test).
NEVER_IMPORTED_PACKAGES = (
    "faker", "polyfactory", "pygments", "rich", "rich_click", "click", "markdown_it", "mdurl",
    "litestar_htmx",
)  # fmt: skip
#: Directory and file names the runtime never imports.
PRUNED_DIRS = {"__pycache__", "tests", "test", "bin"}
PRUNED_SUFFIXES = (".pyc", ".pyi", ".md", ".rst")
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class PackageError(Exception):
    """The package cannot be built, or would break Lambda's limits; the message says why."""


@dataclass(frozen=True)
class PackageOptions:
    output: Path
    persona_dir: Path
    arch: Arch = "x86_64"
    bundle_boto3: bool = False
    build_dir: Path = REPO / "build" / "lambda"


@dataclass(frozen=True)
class PackageReport:
    path: Path
    zipped: int
    unzipped: int
    files: int
    bytecode: bool
    largest: list[tuple[str, int]]


def runtime_requirements(bundle_boto3: bool) -> list[str]:
    """The project's runtime dependencies as pip requirements, less what Lambda never needs."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    skipped = NEVER_IMPORTED | (set() if bundle_boto3 else RUNTIME_PROVIDED)
    wanted = [req for req in project["dependencies"] if _name(req) not in skipped]
    if bundle_boto3:
        wanted += [r for r in ("boto3", "botocore") if r not in map(_name, wanted)]
    return wanted


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9_.-]+", requirement)
    return match.group(0).lower().replace("_", "-") if match else requirement


def find_python312() -> str | None:
    """A working python3.12 (PATH first, then pyenv's versions), or None."""
    candidates = [shutil.which("python3.12")]
    candidates += [str(p) for p in sorted(Path.home().glob(".pyenv/versions/3.12*/bin/python3.12"))]
    for candidate in filter(None, candidates):
        try:
            out = subprocess.run(
                [candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 12))"],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except OSError:
            continue
        if out.stdout.strip() == "True":
            return candidate
    return None


def build_package(options: PackageOptions, log: Callable[[str], None] = print) -> PackageReport:
    """Build the zip; raises PackageError with the reason when it cannot or must not."""
    staging = options.build_dir / options.arch
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    requirements = runtime_requirements(options.bundle_boto3)
    log(f"installing {len(requirements)} dependencies for python3.12 on {PLATFORMS[options.arch]}")
    pip_install_for_lambda(requirements, staging, options.arch)
    log("adding the project's packages: " + ", ".join(PROJECT_PACKAGES))
    for package in PROJECT_PACKAGES:
        shutil.copytree(
            REPO / package, staging / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    log(f"compiling the persona from {options.persona_dir}")
    persona = compose_sources(options.persona_dir)
    write_compiled(persona, options.persona_dir, staging / "persona" / COMPILED_NAME, reproducible=True)
    prune(staging)
    python312 = find_python312()
    if python312:
        log("compiling bytecode for python3.12")
        compile_bytecode(python312, staging)
    else:
        log("no python3.12 found: shipping sources only (Lambda compiles them at each cold start)")
    return zip_reproducibly(staging, options.output, bytecode=python312 is not None, log=log)


def pip_install_for_lambda(requirements: list[str], target: Path, arch: Arch) -> None:
    """Wheels for the Lambda platform and python3.12 into `target`, whatever this machine runs."""
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--target", str(target), "--platform", PLATFORMS[arch], "--python-version", "3.12",
        "--implementation", "cp", "--only-binary=:all:", "--no-compile", *requirements,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    if result.returncode != 0:
        raise PackageError(f"pip could not install the dependencies:\n{result.stderr.strip()[-2000:]}")


def prune(root: Path) -> None:
    """Remove what the runtime never imports: CLI and test-only packages, caches, tests, stubs."""
    for package in NEVER_IMPORTED_PACKAGES:
        shutil.rmtree(root / package, ignore_errors=True)
        for info in root.glob(f"{package}*.dist-info"):
            shutil.rmtree(info)
    for path in sorted(root.rglob("*"), reverse=True):
        if not path.exists():
            continue
        if path.is_dir() and path.name in PRUNED_DIRS:
            shutil.rmtree(path)
        elif path.is_file() and path.name.endswith(PRUNED_SUFFIXES):
            path.unlink()


def compile_bytecode(python: str, root: Path) -> None:
    """Unchecked-hash pycs under /var/task paths: valid without source mtimes, identical every build."""
    command = [python, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash",
               "-s", str(root), "-p", "/var/task", str(root)]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0:
        raise PackageError(f"compiling bytecode failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")


def _files(root: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield path.relative_to(root).as_posix(), path


def zip_reproducibly(
    root: Path, output: Path, *, bytecode: bool, log: Callable[[str], None]
) -> PackageReport:
    """Sorted entries with fixed times and modes; refuses sizes over Lambda's limits."""
    entries = list(_files(root))
    unzipped = sum(path.stat().st_size for _, path in entries)
    if unzipped > MAX_UNZIPPED:
        raise PackageError(f"unzipped size {_mb(unzipped)} is over Lambda's {_mb(MAX_UNZIPPED)} limit")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, path in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    zipped = partial.stat().st_size
    if zipped > MAX_ZIPPED:
        partial.unlink()
        raise PackageError(f"zip size {_mb(zipped)} is over Lambda's {_mb(MAX_ZIPPED)} direct-upload limit")
    partial.replace(output)
    sizes: Counter[str] = Counter()
    for name, path in entries:
        sizes[name.split("/", 1)[0]] += path.stat().st_size
    report = PackageReport(output, zipped, unzipped, len(entries), bytecode, sizes.most_common(8))
    log(f"wrote {output}: {_mb(zipped)} zipped, {_mb(unzipped)} unzipped, {len(entries)} files")
    log("largest: " + ", ".join(f"{name} {_mb(size)}" for name, size in report.largest))
    return report


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"
