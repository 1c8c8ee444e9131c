"""The JSON Resume example, installed as its own distribution, is found through its entry point."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "examples" / "twin-jsonresume"


def install(plugin: Path, target: Path) -> Path:
    """`plugin` built and installed into `target` (no network: no build isolation)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            str(plugin),
        ],
        check=True,
        cwd=target,
        capture_output=True,
    )
    return target


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example plugin installed as its own distribution."""
    target = install(PLUGIN, tmp_path_factory.mktemp("site"))
    assert (target / "twin_jsonresume-0.1.0.dist-info" / "entry_points.txt").exists()
    return target


def twin(
    installed: Path, tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = (
        os.environ
        | {
            "PYTHONPATH": os.pathsep.join([str(installed), str(REPO)]),
            "PERSONA_DIR": str(PLUGIN / "example"),
            "MEMORY_DIR": str(tmp_path / "memory"),
            "TWIN_PROVIDER": "offline",
        }
        | (env or {})
    )
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args], env=env, cwd=tmp_path, capture_output=True, text=True
    )


def test_the_plugin_is_listed_with_its_distribution(installed: Path, tmp_path: Path) -> None:
    result = twin(installed, tmp_path, "persona", "sources")
    assert result.returncode == 0, result.stderr
    assert "json_resume  [twin-jsonresume 0.1.0]" in result.stdout
    assert "declared options: include_contact (bool, default false)" in result.stdout


def test_its_sections_compose_into_the_prompt_with_provenance(installed: Path, tmp_path: Path) -> None:
    result = twin(installed, tmp_path, "persona", "show")
    assert result.returncode == 0, result.stderr
    assert (
        '<source id="resume" type="json_resume" title="Principal Data Engineer at Tidewell Analytics">'
        in result.stdout
    )
    assert "Apache Flink" in result.stdout
    assert "amara.okafor@example.org" not in result.stdout  # contact details stay private by default


def test_the_twin_answers_from_the_plugin_source(installed: Path, tmp_path: Path) -> None:
    result = twin(installed, tmp_path, "chat", "-m", "Did you use Kafka at Brightmoor Bank?")
    assert result.returncode == 0, result.stderr
    assert "Kafka" in result.stdout


def test_without_the_plugin_the_type_is_unknown_and_named(tmp_path: Path) -> None:
    env = os.environ | {"PERSONA_DIR": str(PLUGIN / "example"), "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "persona", "show"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "unknown source type 'json_resume'" in result.stderr


def test_upgrading_the_plugin_makes_the_compiled_persona_stale(
    installed: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The compiled persona records each plugin's release; a new release must not serve old sections."""
    persona = tmp_path / "persona"
    shutil.copytree(PLUGIN / "example", persona)
    env = {"PERSONA_DIR": str(persona)}
    built = twin(installed, tmp_path, "persona", "build", env=env)
    assert built.returncode == 0, built.stderr
    assert "compiled persona: fresh" in twin(installed, tmp_path, "persona", "show", env=env).stdout
    source = tmp_path / "twin-jsonresume"
    shutil.copytree(PLUGIN, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    metadata = source / "pyproject.toml"
    metadata.write_text(metadata.read_text().replace('version = "0.1.0"', 'version = "0.2.0"'))
    upgraded = install(source, tmp_path_factory.mktemp("upgraded"))
    shown = twin(upgraded, tmp_path, "persona", "show", env=env)
    assert shown.returncode == 0, shown.stderr
    assert "compiled persona: stale" in shown.stdout
    assert "the code of type json_resume changed since the build (twin-jsonresume 0.1.0" in shown.stderr
    assert "-> twin-jsonresume 0.2.0" in shown.stderr


def test_the_plugin_reports_its_coverage_and_its_options_are_checked(installed: Path, tmp_path: Path) -> None:
    checked = twin(installed, tmp_path, "persona", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "coverage resume: 100% of " in checked.stdout and "(4 private lines left out)" in checked.stdout
    persona = tmp_path / "persona"
    shutil.copytree(PLUGIN / "example", persona)
    manifest = persona / "persona.toml"
    manifest.write_text(manifest.read_text() + "include_contcat = true\n")
    failed = twin(installed, tmp_path, "persona", "check", env={"PERSONA_DIR": str(persona)})
    assert failed.returncode == 1
    assert "unknown option `include_contcat` (options: `include_contact`)" in failed.stdout
