"""The `twin` CLI: chat through the same engine as the API, persona show, clear configuration errors."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from service.cli import build_parser, main
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
    assert main(["chat", f"--session={session_id}", "-m", "thanks"]) == 0
    assert (tmp_path / "conversations" / f"{session_id}.json").read_text().count('"role":"user"') == 2


def test_chat_reads_lines_interactively_until_eof(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "chat"],
        input="hello\n\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert "offline" in result.stdout and "you> " in result.stdout


def test_chat_says_why_a_message_is_refused_and_goes_on_when_interactive(tmp_path: Path) -> None:
    """Was: a pasted line over the limit (or only invisible characters) ended the session with a
    traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "chat"],
        input="x" * 5000 + "\n\u200b\nWhere did you study?\n\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert "[error] message is 5000 characters long" in result.stdout
    assert "KTH" in result.stdout and "Traceback" not in result.stderr
    assert main(["chat", "-m", "x" * 5000]) == 1


def test_persona_show_prints_prompt_sources_and_size(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["persona", "show"]) == 0
    out = capsys.readouterr().out
    assert "These rules come first" in out
    assert "source 'facts' (facts, facts)" in out
    assert re.search(r"system prompt: \d+ characters, \d+ tokens for gpt-4o-mini \(cl100k_base", out)


def test_persona_sources_lists_each_type_with_its_origin_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["persona", "sources"]) == 0
    out = capsys.readouterr().out
    for name in ("facts", "linkedin_pdf", "text"):
        assert f"{name}  [twin (built-in)]" in out
    assert "include_contact" in out


def test_persona_check_passes_the_example_with_a_stale_export_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["persona", "check"]) == 0
    out = capsys.readouterr().out
    assert "warning: persona source 'linkedin' (linkedin_pdf) was created 2024-11-18" in out
    assert "persona check passed" in out
    assert main(["persona", "check", "--strict"]) == 1


def test_persona_check_fails_on_broken_sources(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    persona = tmp_path / "persona"
    persona.mkdir()
    (persona / "persona.toml").write_text(
        '[[sources]]\nid = "bio"\ntype = "text"\npath = "bio.md"\n'
        '[[sources]]\nid = "cv"\ntype = "docx"\npath = "cv.docx"\n'
    )
    monkeypatch.setenv("PERSONA_DIR", str(persona))
    assert main(["persona", "check"]) == 1
    out = capsys.readouterr().out
    assert "error: persona source 'bio' (text" in out and "file is missing" in out
    assert "error: persona source 'cv' (docx" in out and "unknown source type 'docx'" in out


def test_persona_build_then_show_reports_a_fresh_compiled_persona(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    persona = tmp_path / "persona"
    shutil.copytree(EXAMPLE_PERSONA, persona, ignore=shutil.ignore_patterns("persona.compiled.json"))
    monkeypatch.setenv("PERSONA_DIR", str(persona))
    assert main(["persona", "build"]) == 0
    assert (persona / "persona.compiled.json").exists()
    assert main(["persona", "show"]) == 0
    assert "compiled persona: fresh" in capsys.readouterr().out
    (persona / "summary.md").write_text("I changed my summary.\n")
    assert main(["persona", "show"]) == 0
    assert "compiled persona: stale" in capsys.readouterr().out


def test_persona_publish_writes_jsonld_and_llms_txt(tmp_path: Path) -> None:
    assert main(["persona", "publish", "-o", str(tmp_path / "site")]) == 0
    person = json.loads((tmp_path / "site" / "person.jsonld").read_text())
    assert person["@type"] == "Person" and person["name"] == "Freja Holmqvist"
    assert (tmp_path / "site" / "llms.txt").read_text().startswith("# Freja Holmqvist\n")


def test_persona_publish_names_the_mcp_endpoint_it_is_given(tmp_path: Path) -> None:
    url = "https://api.example.com/mcp"
    assert main(["persona", "publish", "-o", str(tmp_path / "site"), "--mcp-url", url]) == 0
    person = json.loads((tmp_path / "site" / "person.jsonld").read_text())
    assert person["potentialAction"]["target"]["urlTemplate"] == url
    assert f"[MCP endpoint]({url})" in (tmp_path / "site" / "llms.txt").read_text()


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


def _command_paths(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command of the tree, as the words that name it."""
    paths = [path]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths += _command_paths(sub, (*path, name))
    return paths


def test_every_command_prints_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    paths = _command_paths(build_parser())
    assert ("persona", "check") in paths and len(paths) > 20
    for path in paths:
        with pytest.raises(SystemExit) as exited:
            main([*path, "--help"])
        assert exited.value.code == 0, path
        assert "usage: twin" in capsys.readouterr().out, path


def test_a_reader_that_goes_away_stops_the_command_quietly(tmp_path: Path) -> None:
    """`twin chat ... | head -c 1`: the pipe is closed before twin writes, as when head has had enough."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "service.cli", "chat", "-m", "Where do you work?"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            cwd=Path(__file__).resolve().parents[3],
        )
    finally:
        os.close(write_end)
    assert result.returncode == 1
    assert result.stderr == ""
