"""The Lambda zip: reproducible, for the python3.12 runtime, built without Docker (`twin package`, and
`pulumi up` when the zip is stale). Build tooling: it is never part of the zip it builds.

Dependencies come from pip for the Lambda platform (`--platform manylinux2014_* --python-version
3.12 --only-binary=:all: --implementation cp`); the project's packages and the compiled persona are
added; what the runtime never imports is left out; when a python3.12 exists, the sources are replaced
by bytecode compiled for 3.12 (sourceless, so tracebacks name file and line but show no source
text). Entries are sorted and time-stamped 1980-01-01, so equal inputs give a byte-identical zip.
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
#: The project's packages the zip carries (the one list: `infra.package` watches the same ones).
PROJECT_PACKAGES = ("service", "persona_sources", "memory")
#: The owner's room's built script and style (`make web`): the app serves them itself, on Lambda too,
#: from the same relative path (TWIN_WEB_DIR's default, web/dist, under /var/task).
OWNER_ROOM_ASSETS = "web/dist/owner"
Arch = Literal["x86_64", "arm64"]
PLATFORMS: dict[Arch, str] = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
#: Lambda's limits for a directly uploaded zip.
MAX_ZIPPED = 50 * 1024 * 1024
MAX_UNZIPPED = 250 * 1024 * 1024
#: Dependencies the Lambda runtime provides (boto3, unless bundled with --bundle-boto3; SnapStart's
#: hooks library, always the runtime's: its runtime client runs the hooks registered there) or never
#: imports (PDF parsing: the package carries the compiled persona). uvicorn stays: the streaming entry
#: serves the app with it.
RUNTIME_PROVIDED = {"boto3", "botocore"}
RUNTIME_ONLY = {"snapshot-restore-py"}
NEVER_IMPORTED = {"pypdf"}
#: Only worth their size in a long-running server with many visitors at once: the openai client's
#: aiohttp transport, and the event loop and HTTP parser `twin serve` runs on. A Lambda container serves
#: one request at a time, so its entries use the default httpx, asyncio's loop and h11.
SERVER_ONLY = {"aiohttp", "uvloop", "httptools"}
#: Packages that dependencies pull in for their own CLIs, test factories, pretty printing or (the MCP
#: SDK's jsonschema and what it needs) a client's checks of tool results, which the app never uses.
#: Only httpx imports any (rich, pygments and click for its command-line client, in a `try/except
#: ImportError` that stubs the client out); the package test's import audit checks it. click itself
#: stays: uvicorn imports it.
NEVER_IMPORTED_PACKAGES = (
    "faker", "polyfactory", "pygments", "rich", "rich_click", "markdown_it", "mdurl", "litestar_htmx",
    "jsonschema", "jsonschema_specifications", "referencing", "rpds",
)  # fmt: skip
#: Compatibility shims that shadow a module of the same name: python-multipart (the MCP SDK's, imported
#: as `python_multipart`) also installs a `multipart/` package that loads the `multipart.py` Litestar
#: uses, but finds no source file in a sourceless package and imports the wrong library instead.
SHADOWING_SHIMS = ("multipart",)
#: Start scripts (the streaming entry's handler) keep their execute bit in the zip; Lambda keeps it.
EXECUTABLE_SUFFIX = ".sh"
#: Directory and file names the runtime never imports or reads: tests, caches, console scripts,
#: stubs and type markers, docs, C headers for building against a package.
PRUNED_DIRS = {"__pycache__", "tests", "test", "bin"}
PRUNED_NAMES = {"py.typed"}
PRUNED_SUFFIXES = (".pyc", ".pyi", ".md", ".rst", ".h", ".pxd")
#: dist-info files only installers read. importlib.metadata reads METADATA (`version()`, which
#: httpx2 and httpcore2 call at import) and entry_points.txt (the persona-source plugin group,
#: pydantic's plugins), so those stay, as do licences and SBOMs.
PRUNED_DIST_INFO = {"RECORD", "WHEEL", "INSTALLER", "REQUESTED", "top_level.txt", "direct_url.json"}
#: Modules that read their own source at import, so they keep it (with cached bytecode beside it):
#: anyio's lazy importer parses its packages' `__init__.py`; without the source it imports all of
#: anyio eagerly, which works but slows every cold start.
KEEP_SOURCES = ("anyio/__init__.py", "anyio/abc/__init__.py")
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
    skipped = NEVER_IMPORTED | RUNTIME_ONLY | SERVER_ONLY | (set() if bundle_boto3 else RUNTIME_PROVIDED)
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
    requirements = runtime_requirements(options.bundle_boto3)
    log(f"installing {len(requirements)} dependencies for python3.12 on {PLATFORMS[options.arch]}")
    stage(requirements, staging, options.persona_dir, options.arch, log=log)
    prune(staging)
    python312 = find_python312()
    if python312:
        log("compiling bytecode for python3.12 and leaving the sources out")
        compile_bytecode(python312, staging)
    else:
        log("no python3.12 found: shipping sources only (Lambda compiles them at each cold start)")
    return zip_reproducibly(staging, options.output, bytecode=python312 is not None, log=log)


def stage(
    requirements: list[str], staging: Path, persona_dir: Path, arch: Arch, log: Callable[[str], None]
) -> None:
    """A fresh `staging` with the requirements' wheels, the project's packages and compiled persona."""
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    pip_install_for_lambda(requirements, staging, arch)
    log("adding the project's packages: " + ", ".join(PROJECT_PACKAGES))
    for package in PROJECT_PACKAGES:
        shutil.copytree(
            REPO / package, staging / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    room = REPO / OWNER_ROOM_ASSETS
    if not room.is_dir() or not any(room.iterdir()):
        raise PackageError(f"the owner's room is not built: {room} is missing; run `make web` first")
    log(f"adding the owner's room from {OWNER_ROOM_ASSETS}")
    shutil.copytree(room, staging / OWNER_ROOM_ASSETS)
    log(f"compiling the persona from {persona_dir}")
    persona = compose_sources(persona_dir)
    write_compiled(persona, persona_dir, staging / "persona" / COMPILED_NAME, reproducible=True)


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


def left_out(relative: str) -> bool:
    """Whether `prune` removes the file at `relative` (a POSIX path in the package)."""
    parts = relative.split("/")
    top = parts[0]
    if top.endswith(".dist-info"):
        distribution = top.lower().replace("-", "_")  # e.g. markdown_it_py_3.0.0.dist_info
        return distribution.startswith(NEVER_IMPORTED_PACKAGES) or (
            len(parts) == 2 and parts[1] in PRUNED_DIST_INFO
        )
    return (
        top.removesuffix(".py") in NEVER_IMPORTED_PACKAGES
        or (top in SHADOWING_SHIMS and len(parts) > 1)
        or any(part in PRUNED_DIRS for part in parts[:-1])
        or parts[-1] in PRUNED_NAMES
        or parts[-1].endswith(PRUNED_SUFFIXES)
    )


def prune(root: Path) -> None:
    """Remove every file `left_out` names, then the directories that leaves empty."""
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_file() and left_out(path.relative_to(root).as_posix()):
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def compile_bytecode(python: str, root: Path) -> None:
    """Sourceless bytecode: a `.pyc` where each `.py` was (`KEEP_SOURCES` keep theirs, with a cached
    pyc). Unchecked-hash pycs under /var/task paths: identical every build, never recompiled."""
    _compileall(python, root, "-b", str(root))
    kept = []
    for source in sorted(root.rglob("*.py")):
        if source.relative_to(root).as_posix() in KEEP_SOURCES:
            source.with_suffix(".pyc").unlink()
            kept.append(str(source))
        else:
            source.unlink()
    if kept:
        _compileall(python, root, *kept)


def _compileall(python: str, root: Path, *arguments: str) -> None:
    command = [python, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash",
               "-s", str(root), "-p", "/var/task", *arguments]  # fmt: skip
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
    """Sorted entries with fixed times and modes (start scripts executable); refuses sizes over
    Lambda's limits."""
    entries = list(_files(root))
    unzipped = sum(path.stat().st_size for _, path in entries)
    if unzipped > MAX_UNZIPPED:
        raise PackageError(f"unzipped size {_mb(unzipped)} is over Lambda's {_mb(MAX_UNZIPPED)} limit")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, path in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.external_attr = (0o755 if name.endswith(EXECUTABLE_SUFFIX) else 0o644) << 16
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
