"""The JSON Resume example, installed as its own distribution, is found through its entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "examples" / "twin-jsonresume"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example plugin built and installed into its own directory (no network: no build isolation)."""
    target = tmp_path_factory.mktemp("site")
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
            str(PLUGIN),
        ],
        check=True,
        cwd=target,
        capture_output=True,
    )
    assert (target / "twin_jsonresume-0.1.0.dist-info" / "entry_points.txt").exists()
    return target


def twin(installed: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join([str(installed), str(REPO)]),
        "PERSONA_DIR": str(PLUGIN / "example"),
        "MEMORY_DIR": str(tmp_path / "memory"),
        "TWIN_PROVIDER": "offline",
    }
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args], env=env, cwd=tmp_path, capture_output=True, text=True
    )


def test_the_plugin_is_listed_with_its_distribution(installed: Path, tmp_path: Path) -> None:
    result = twin(installed, tmp_path, "persona", "sources")
    assert result.returncode == 0, result.stderr
    assert "json_resume  [twin-jsonresume 0.1.0]" in result.stdout


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
