"""The Lambda package: `pulumi up` deploys `dist/lambda.zip`, rebuilding it with `twin package` when stale."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import pulumi

from infra.lambda_zip import OWNER_ROOM_ASSETS, PROJECT_PACKAGES, PackageError
from service.environment import SettingsError
from service.settings import Settings

#: The repository root: paths in the stack config are relative to it, whatever the working directory.
ROOT = Path(__file__).resolve().parent.parent

#: What builds the package: the project's own CLI, in the interpreter running the Pulumi program.
BUILD_COMMAND: tuple[str, ...] = (sys.executable, "-m", "service.cli", "package")

#: What the package is built from, besides the persona directory.
PACKAGE_INPUTS = (*PROJECT_PACKAGES, OWNER_ROOM_ASSETS, "pyproject.toml")

_IGNORED_PARTS = frozenset({"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"})


def package_inputs(root: Path, persona_dir: Path) -> list[Path]:
    """The files and directories whose changes make the package stale."""
    persona = persona_dir if persona_dir.is_absolute() else root / persona_dir
    return [root / name for name in PACKAGE_INPUTS] + [persona]


def newest_input(inputs: Iterable[Path]) -> float:
    """The latest modification time of any file under `inputs` (caches ignored); 0 when there is none."""
    newest = 0.0
    for path in inputs:
        files = path.rglob("*") if path.is_dir() else [path]
        for file in files:
            if file.is_file() and not _IGNORED_PARTS.intersection(file.parts) and file.suffix != ".pyc":
                newest = max(newest, file.stat().st_mtime)
    return newest


def is_stale(package: Path, inputs: Iterable[Path]) -> bool:
    """True when the package is missing or older than any of its inputs."""
    if not package.is_file():
        return True
    return package.stat().st_mtime < newest_input(inputs)


def ensure_package(
    package: Path, inputs: Sequence[Path], command: Sequence[str] = BUILD_COMMAND, cwd: Path = ROOT
) -> Path:
    """The package, built first with `command` (run in `cwd`) when missing or stale.

    Raises: PackageError when the build fails or leaves no package behind.
    """
    if not is_stale(package, inputs):
        return package
    pulumi.log.info(f"building the Lambda package {package} with: {' '.join(command)}")
    done = subprocess.run(list(command), cwd=cwd, check=False)  # noqa: S603 (our own CLI, no shell)
    if done.returncode != 0:
        raise PackageError(f"`{' '.join(command)}` failed with exit code {done.returncode}")
    if not package.is_file():
        raise PackageError(f"`{' '.join(command)}` finished but {package} does not exist")
    return package


def prebuilt_package(package: Path) -> Path:
    """A package the operator built elsewhere (a custom `lambdaPackage`): used as is, never rebuilt."""
    if not package.is_file():
        raise PackageError(f"twin:lambdaPackage {package} does not exist")
    return package


def source_code_hash(package: Path) -> str:
    """Base64 SHA-256 of the zip, as Lambda reports it: the function updates exactly when this changes."""
    return base64.b64encode(hashlib.sha256(package.read_bytes()).digest()).decode()


def resolve(setting: str, root: Path = ROOT) -> Path:
    """A path from the stack config: absolute as given, else relative to the repository root."""
    path = Path(setting).expanduser()
    return path if path.is_absolute() else root / path


def persona_dir(env_file: Path = ROOT / ".env") -> Path:
    """The persona `twin package` will compile: PERSONA_DIR from the environment or the root's `.env`.

    Read the way the package command reads it (it runs in the repository root), whatever directory
    Pulumi runs the program in.
    """
    try:
        return Settings.from_env(env_file=env_file).persona_dir
    except SettingsError as exc:
        raise PackageError(f"cannot read the settings `twin package` uses: {exc}") from None


def lambda_package(
    setting: str, default: str, root: Path = ROOT, command: Sequence[str] = BUILD_COMMAND
) -> Path:
    """The zip to deploy: the default one is (re)built when stale, a custom one must already exist."""
    package = resolve(setting, root)
    if setting != default:
        return prebuilt_package(package)
    return ensure_package(package, package_inputs(root, persona_dir(root / ".env")), command, cwd=root)
