"""The Lambda package: built by `twin package` when missing or stale, never rebuilt when fresh."""

from __future__ import annotations

import base64
import hashlib
import os
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pulumi
import pytest

from infra.package import (
    BUILD_COMMAND,
    ROOT,
    PackageError,
    ensure_package,
    is_stale,
    lambda_package,
    package_inputs,
    persona_dir,
    prebuilt_package,
    resolve,
    source_code_hash,
)
from tests.infra.harness import Deployment


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project tree with the package's inputs."""
    for name in ("service/app.py", "persona_sources/__init__.py", "memory/__init__.py", "persona/summary.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[project]", encoding="utf-8")
    return tmp_path


def builder(package: Path) -> list[str]:
    """A stand-in for `twin package` that writes a zip and records that it ran."""
    script = (
        "import sys, zipfile; zipfile.ZipFile(sys.argv[1], 'w').writestr('built', 'yes');"
        "open(sys.argv[1] + '.runs', 'a').write('run\\n')"
    )
    return [sys.executable, "-c", script, str(package)]


def runs(package: Path) -> int:
    marker = Path(f"{package}.runs")
    return len(marker.read_text().splitlines()) if marker.exists() else 0


def age(path: Path, seconds: float) -> None:
    """Make `path` look `seconds` old."""
    stamp = path.stat().st_mtime - seconds
    os.utime(path, (stamp, stamp))


def test_the_build_command_is_the_projects_own_cli_in_this_interpreter() -> None:
    assert (sys.executable, "-m", "service.cli", "package") == BUILD_COMMAND


def test_inputs_are_the_code_the_persona_and_pyproject(project: Path) -> None:
    names = [p.relative_to(project).as_posix() for p in package_inputs(project, Path("persona"))]
    assert names == ["service", "persona_sources", "memory", "web/dist/owner", "pyproject.toml", "persona"]
    assert package_inputs(project, Path("/elsewhere/persona"))[-1] == Path("/elsewhere/persona")


def test_a_missing_package_is_built(project: Path) -> None:
    package = project / "dist" / "lambda.zip"
    (project / "dist").mkdir()
    built = ensure_package(package, package_inputs(project, Path("persona")), builder(package), cwd=project)
    assert built == package
    assert zipfile.ZipFile(package).read("built") == b"yes"
    assert runs(package) == 1


@pytest.mark.parametrize(
    "changed", ["service/app.py", "persona/summary.md", "pyproject.toml", "memory/__init__.py"]
)
def test_a_package_older_than_any_input_is_rebuilt(project: Path, changed: str) -> None:
    package = project / "lambda.zip"
    inputs = package_inputs(project, Path("persona"))
    ensure_package(package, inputs, builder(package), cwd=project)
    for path in project.rglob("*"):
        age(path, 120)
    assert not is_stale(package, inputs)
    age(project / changed, -60)  # edited after the package was built
    assert is_stale(package, inputs)
    ensure_package(package, inputs, builder(package), cwd=project)
    assert runs(package) == 2
    assert not is_stale(package, inputs)


def test_a_fresh_package_is_not_rebuilt(project: Path) -> None:
    package = project / "lambda.zip"
    inputs = package_inputs(project, Path("persona"))
    for path in project.rglob("*"):
        age(path, 60)
    package.write_bytes(b"PK")
    assert not is_stale(package, inputs)
    assert (
        ensure_package(package, inputs, [sys.executable, "-c", "raise SystemExit(9)"], cwd=project) == package
    )


def test_caches_do_not_make_the_package_stale(project: Path) -> None:
    package = project / "lambda.zip"
    package.write_bytes(b"PK")
    age(package, 0)
    for path in project.rglob("*"):
        if path != package:
            age(path, 60)
    cache = project / "service" / "__pycache__" / "app.cpython-311.pyc"
    cache.parent.mkdir()
    cache.write_bytes(b"")
    assert not is_stale(package, package_inputs(project, Path("persona")))


def test_a_failed_build_stops_the_deployment_with_the_exit_code(project: Path) -> None:
    package = project / "lambda.zip"
    with pytest.raises(PackageError, match="failed with exit code 3"):
        ensure_package(package, [project], [sys.executable, "-c", "raise SystemExit(3)"], cwd=project)


def test_a_build_that_leaves_no_package_stops_the_deployment(project: Path) -> None:
    package = project / "lambda.zip"
    with pytest.raises(PackageError, match=r"lambda\.zip does not exist"):
        ensure_package(package, [project], [sys.executable, "-c", "pass"], cwd=project)


def test_a_custom_package_is_used_as_is_and_must_exist(tmp_path: Path) -> None:
    package = tmp_path / "prebuilt.zip"
    with pytest.raises(PackageError, match=r"twin:lambdaPackage .*prebuilt\.zip does not exist"):
        lambda_package(str(package), "dist/lambda.zip")
    package.write_bytes(b"PK")
    assert prebuilt_package(package) == package
    assert lambda_package(str(package), "dist/lambda.zip") == package


def test_relative_config_paths_are_relative_to_the_repository_root(tmp_path: Path) -> None:
    assert resolve("dist/lambda.zip") == ROOT / "dist" / "lambda.zip"
    assert resolve(str(tmp_path)) == tmp_path
    assert (ROOT / "Pulumi.yaml").is_file()


def test_the_function_updates_exactly_when_the_zip_changes(tmp_path: Path) -> None:
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    first.write_bytes(b"one")
    second.write_bytes(b"one")
    expected = base64.b64encode(hashlib.sha256(b"one").digest()).decode()
    assert source_code_hash(first) == source_code_hash(second) == expected
    second.write_bytes(b"two")
    assert source_code_hash(first) != source_code_hash(second)


def test_a_missing_custom_package_stops_the_program(
    deploy_stack: Callable[..., Deployment], tmp_path: Path
) -> None:
    with pytest.raises(pulumi.RunError, match="does not exist"):
        deploy_stack("dev", lambdaPackage=str(tmp_path / "missing.zip"))


def test_the_persona_is_the_one_twin_package_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PERSONA_DIR", raising=False)
    env = tmp_path / ".env"
    assert persona_dir(env) == Path("persona")
    env.write_text("PERSONA_DIR=/owners/maya\n", encoding="utf-8")
    assert persona_dir(env) == Path("/owners/maya")
    monkeypatch.setenv("PERSONA_DIR", "/owners/other")
    assert persona_dir(env) == Path("/owners/other")


def test_unreadable_settings_stop_the_deployment_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWIN_RETENTION_DAYS", "0")
    with pytest.raises(PackageError, match="TWIN_RETENTION_DAYS: expected `int` >= 1"):
        persona_dir(tmp_path / ".env")


def test_the_default_package_is_built_in_the_project_root_when_missing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PERSONA_DIR", raising=False)
    (project / "dist").mkdir()
    package = project / "dist" / "lambda.zip"
    built = lambda_package("dist/lambda.zip", "dist/lambda.zip", project, builder(package))
    assert built == package
    assert runs(package) == 1
    assert lambda_package("dist/lambda.zip", "dist/lambda.zip", project, builder(package)) == package
    assert runs(package) == 1, "a fresh package is not rebuilt"
