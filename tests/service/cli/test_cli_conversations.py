"""`twin conversations ...`: owners review, export, erase and prune, on files and on S3."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from memory import Conversation, ConversationStore, file_memory, new_session_id
from memory.s3 import S3Store
from service.cli import main
from service.owner.failures import FailedTurns
from tests.memory.test_conversations_contract import turn
from tests.support.moto_s3 import MotoS3Server


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no developer .env is read
    for var in ("USE_S3", "S3_BUCKET", "S3_PREFIX", "TWIN_RETENTION_DAYS", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MEMORY_DIR", str(tmp_path / "conversations"))


def seed(store: ConversationStore, *conversations: Conversation) -> None:
    async def write() -> None:
        for conversation in conversations:
            await store.write(conversation, expected_version=None)
        await store.store.close()

    asyncio.run(write())


def conversation(question: str, *, days_ago: float, turns: int = 1) -> Conversation:
    then = datetime.now(UTC) - timedelta(days=days_ago)
    messages = tuple(m for n in range(turns) for m in turn(n))
    first = msgspec.structs.replace(messages[0], content=question)
    return Conversation(
        session_id=new_session_id(), started_at=then, updated_at=then, messages=(first, *messages[1:])
    )


@pytest.fixture
def files(tmp_path: Path) -> tuple[Conversation, Conversation]:
    """Two conversations in the file store the settings point at: one old, one recent."""
    old = conversation("What did you do at Corvina?", days_ago=45)
    recent = conversation("Where do you work\nthese days?", days_ago=1, turns=3)
    seed(file_memory(tmp_path / "conversations").conversations, old, recent)
    return old, recent


def test_list_shows_newest_first_with_id_started_turns_and_first_question(
    files: tuple[Conversation, Conversation], capsys: pytest.CaptureFixture[str]
) -> None:
    old, recent = files
    assert main(["conversations", "list"]) == 0
    captured = capsys.readouterr()
    header, first, second = captured.out.splitlines()
    assert header.split()[:2] == ["ID", "STARTED"]
    assert first.startswith(recent.session_id)
    assert f"{recent.started_at:%Y-%m-%d %H:%M}" in first
    assert first.split()[5] == "3"
    assert first.endswith("Where do you work these days?")
    assert second.startswith(old.session_id) and second.endswith("What did you do at Corvina?")
    assert "2 conversations in" in captured.err


def test_list_of_an_empty_store_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conversations", "list"]) == 0
    assert "no conversations" in capsys.readouterr().err


def test_memory_dir_flag_overrides_the_settings(
    files: tuple[Conversation, Conversation],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("MEMORY_DIR", str(tmp_path / "elsewhere"))
    assert main(["conversations", "list", "--memory-dir", str(tmp_path / "conversations")]) == 0
    assert files[0].session_id in capsys.readouterr().out


def test_show_prints_every_message(
    files: tuple[Conversation, Conversation], capsys: pytest.CaptureFixture[str]
) -> None:
    _, recent = files
    assert main(["conversations", "show", recent.session_id]) == 0
    out = capsys.readouterr().out
    assert f"session {recent.session_id}" in out and "3 turns" in out
    assert out.count("] user: ") == 3 and out.count("] assistant: ") == 3
    assert "answer 2" in out


def test_show_unknown_or_malformed_id_is_a_clear_error(
    files: tuple[Conversation, Conversation], capsys: pytest.CaptureFixture[str]
) -> None:
    missing = new_session_id()
    assert main(["conversations", "show", missing]) == 1
    assert f"no conversation {missing}" in capsys.readouterr().err
    assert main(["conversations", "show", "../../etc/passwd"]) == 1
    assert "malformed" in capsys.readouterr().err


def test_export_writes_every_conversation_as_json_lines_to_stdout(
    files: tuple[Conversation, Conversation], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["conversations", "export"]) == 0
    captured = capsys.readouterr()
    exported = [msgspec.json.decode(line, type=Conversation) for line in captured.out.splitlines()]
    assert sorted(exported, key=lambda c: c.session_id) == sorted(files, key=lambda c: c.session_id)
    assert "exported 2 conversations" in captured.err


def test_export_to_a_file(files: tuple[Conversation, Conversation], tmp_path: Path) -> None:
    target = tmp_path / "export.jsonl"
    assert main(["conversations", "export", "--output", str(target)]) == 0
    lines = target.read_text(encoding="utf-8").splitlines()
    assert {json.loads(line)["session_id"] for line in lines} == {c.session_id for c in files}


def test_export_to_an_unwritable_place_is_a_clear_error(
    files: tuple[Conversation, Conversation], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["conversations", "export", "-o", str(tmp_path / "no" / "such" / "dir.jsonl")]) == 1
    assert "No such file or directory" in capsys.readouterr().err


def test_delete_erases_one_conversation(
    files: tuple[Conversation, Conversation], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    old, recent = files
    records = file_memory(tmp_path / "conversations").records
    asyncio.run(FailedTurns(records).record(old.session_id, "model_unavailable"))
    assert main(["conversations", "delete", old.session_id]) == 0
    assert f"deleted {old.session_id}" in capsys.readouterr().out
    assert not (tmp_path / "conversations" / f"{old.session_id}.json").exists()
    assert asyncio.run(FailedTurns(records).of(old.session_id)) == []  # the same erasure as a visitor's
    assert (tmp_path / "conversations" / f"{recent.session_id}.json").exists()
    assert main(["conversations", "delete", old.session_id]) == 1
    assert "no conversation" in capsys.readouterr().err


def test_prune_uses_the_retention_setting_by_default(
    files: tuple[Conversation, Conversation],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    _, recent = files
    assert main(["conversations", "prune"]) == 0  # default 30 days: the 45-day-old one goes
    assert "pruned 1 conversation not changed since" in capsys.readouterr().out
    assert [p.stem for p in (tmp_path / "conversations").glob("*.json")] == [recent.session_id]

    monkeypatch.setenv("TWIN_RETENTION_DAYS", "90")
    seed(file_memory(tmp_path / "conversations").conversations, conversation("still young", days_ago=60))
    assert main(["conversations", "prune"]) == 0
    assert "pruned 0 conversations" in capsys.readouterr().out


def test_prune_days_flag_and_dry_run(
    files: tuple[Conversation, Conversation], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    old, recent = files
    assert main(["conversations", "prune", "--days", "7", "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert old.session_id in captured.out and recent.session_id not in captured.out
    assert "would prune 1 conversation not changed since" in captured.err
    assert len(list((tmp_path / "conversations").glob("*.json"))) == 2  # a dry run erases nothing
    assert main(["conversations", "prune", "--days", "7"]) == 0
    assert "pruned 1 conversation" in capsys.readouterr().out
    assert [p.stem for p in (tmp_path / "conversations").glob("*.json")] == [recent.session_id]


@pytest.mark.parametrize("days", ["0", "-3", "soon", "800000", "1000000000"])  # was: OverflowError
def test_prune_rejects_days_that_are_not_whole_numbers_of_a_century_at_most(
    days: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["conversations", "prune", "--days", days])
    assert exited.value.code == 2
    assert "--days" in capsys.readouterr().err


def test_a_retention_setting_past_a_century_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TWIN_RETENTION_DAYS", "99999999999")
    assert main(["conversations", "prune"]) == 1
    assert "TWIN_RETENTION_DAYS: expected `int` <= 36500" in capsys.readouterr().err


def test_file_and_s3_flags_are_mutually_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["conversations", "list", "--memory-dir", "x", "--s3-bucket", "y"])
    assert exited.value.code == 2
    assert "not allowed with" in capsys.readouterr().err


@pytest.fixture
def on_s3(
    moto_s3: MotoS3Server, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, Conversation, Conversation]:
    """Two conversations in a moto bucket; the endpoint comes from AWS_ENDPOINT_URL_S3."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_s3.endpoint)
    old = conversation("Tell me about your S3 work", days_ago=40)
    recent = conversation("Any recent projects?", days_ago=2, turns=2)
    seed(ConversationStore(S3Store(s3_bucket, "conversations/")), old, recent)
    return s3_bucket, old, recent


def test_list_and_export_on_s3_chosen_by_flag(
    on_s3: tuple[str, Conversation, Conversation], capsys: pytest.CaptureFixture[str]
) -> None:
    bucket, old, recent = on_s3
    assert main(["conversations", "list", "--s3-bucket", bucket]) == 0
    captured = capsys.readouterr()
    rows = captured.out.splitlines()[1:]
    assert [row.split()[0] for row in rows] == [recent.session_id, old.session_id]
    assert f"2 conversations in s3://{bucket}/conversations/" in captured.err

    assert main(["conversations", "export", "--s3-bucket", bucket]) == 0
    exported = [msgspec.json.decode(line, type=Conversation) for line in capsys.readouterr().out.splitlines()]
    assert exported == [recent, old]


def test_commands_on_s3_chosen_by_settings(
    on_s3: tuple[str, Conversation, Conversation],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bucket, _, recent = on_s3
    monkeypatch.setenv("USE_S3", "true")
    monkeypatch.setenv("S3_BUCKET", bucket)
    assert main(["conversations", "show", recent.session_id]) == 0
    assert "Any recent projects?" in capsys.readouterr().out
    assert main(["conversations", "prune"]) == 0
    assert "pruned 1 conversation" in capsys.readouterr().out
    assert main(["conversations", "delete", recent.session_id]) == 0
    assert main(["conversations", "list"]) == 0
    assert "no conversations" in capsys.readouterr().err


def test_a_prefix_with_nothing_in_it_lists_nothing(
    on_s3: tuple[str, Conversation, Conversation], capsys: pytest.CaptureFixture[str]
) -> None:
    bucket, _, _ = on_s3
    assert main(["conversations", "list", "--s3-bucket", bucket, "--s3-prefix", "other"]) == 0
    assert f"no conversations in s3://{bucket}/other/" in capsys.readouterr().err


def test_unreachable_s3_is_a_clear_error_naming_the_store(
    moto_s3: MotoS3Server, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_s3.endpoint)
    assert main(["conversations", "list", "--s3-bucket", "twin-missing-bucket"]) == 1
    err = capsys.readouterr().err
    assert "s3://twin-missing-bucket/conversations/: memory unavailable, try again" in err
    assert "NoSuchBucket" in err
    assert "Traceback" not in err
