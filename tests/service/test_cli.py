"""The `twin` CLI: chat through the same engine as the API, persona show, clear configuration errors."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from service.cli import main
from tests.conftest import EXAMPLE_PERSONA


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no developer .env is read
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "TWIN_PROVIDER", "USE_S3"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PERSONA_DIR", str(EXAMPLE_PERSONA))
    monkeypatch.setenv("MEMORY_DIR", str(tmp_path / "conversations"))


def test_chat_answers_and_stores_a_conversation(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["chat", "-m", "Hello", "-m", "Where did you study?"]) == 0
    out = capsys.readouterr().out
    session_id = re.search(r"\[session ([A-Za-z0-9_-]{32})\]", out)
    assert session_id, out
    stored = (tmp_path / "conversations" / f"{session_id.group(1)}.json").read_text()
    assert "Where did you study?" in stored


def test_chat_continues_a_session(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    main(["chat", "-m", "Hello"])
    session_id = re.search(r"\[session (\S+)\]", capsys.readouterr().out).group(1)  # type: ignore[union-attr]
    assert main(["chat", "--session", session_id, "-m", "thanks"]) == 0
    assert (tmp_path / "conversations" / f"{session_id}.json").read_text().count('"role":"user"') == 2


def test_chat_reads_lines_interactively_until_eof(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "chat"],
        input="hello\n\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert "offline" in result.stdout and "you> " in result.stdout


def test_persona_show_prints_prompt_sources_and_size(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["persona", "show"]) == 0
    out = capsys.readouterr().out
    assert "These rules come first" in out
    assert "source 'facts' (facts)" in out
    assert re.search(r"system prompt: \d+ characters, about \d+ tokens", out)


def test_bad_persona_dir_is_a_clear_error_and_exit_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PERSONA_DIR", str(tmp_path / "missing"))
    assert main(["persona", "show"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_bad_setting_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWIN_MAX_MESSAGE_CHARS", "many")
    assert main(["chat", "-m", "hi"]) == 1
    assert "TWIN_MAX_MESSAGE_CHARS" in capsys.readouterr().err


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "serve" in capsys.readouterr().out
