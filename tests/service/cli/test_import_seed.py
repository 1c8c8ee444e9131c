"""`twin conversations import-seed`: the seed project's memory (a directory, or the root of its bucket)
becomes twin conversations under new ids, with their timestamps, idempotently, and nothing it cannot
read is dropped: it is kept verbatim and counted. This is the memory step of docs/migrating.md."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import boto3
import msgspec
import pytest

from memory import Conversation, file_memory
from service.cli import main
from tests.support.moto_s3 import MotoS3Server

#: Two seed sessions as the seed's server.py writes them (naive ISO timestamps), and what else a
#: memory directory may hold.
SEED = {
    "3f2a9c1b-7d0e-4b8a-9c1d-2e3f4a5b6c7d": [
        {"role": "user", "content": "Hi! My name is Fred.", "timestamp": "2025-03-01T10:15:30.123456"},
        {"role": "assistant", "content": "Hello Fred!", "timestamp": "2025-03-01T10:15:32.000001"},
        {"role": "user", "content": "Where do you work?", "timestamp": "2025-03-01T10:16:00"},
        {"role": "assistant", "content": "At Corvina Pay.", "timestamp": "2025-03-01T10:16:02"},
    ],
    "9b1c0d2e-4f5a-4b6c-8d7e-0f1a2b3c4d5e": [
        {"role": "system", "content": "You are Freja.", "timestamp": "2025-03-02T09:00:00"},
        {"role": "user", "content": "Do you sail?", "timestamp": "2025-03-02T09:00:05", "rating": 5},
        {"role": "assistant", "content": [{"type": "text", "text": "Yes."}]},
        {"role": "assistant", "content": "I do, on weekends."},
    ],
    "notes": {"todo": "not a conversation"},
    "empty-session": [],
}


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    for var in ("USE_S3", "S3_BUCKET", "S3_PREFIX", "S3_RECORDS_PREFIX", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MEMORY_DIR", str(tmp_path / "conversations"))
    return tmp_path / "conversations"


def write_seed(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in SEED.items():
        (directory / f"{name}.json").write_text(json.dumps(content), encoding="utf-8")
    (directory / "broken.json").write_text('[{"role": "user", "content": "cut sh', encoding="utf-8")
    return directory


def stored(memory_dir: Path) -> dict[str, Conversation]:
    found = asyncio.run(file_memory(memory_dir).conversations.conversations())
    return {c.imported.original_id: c for c in found if c.imported is not None}


def test_a_seed_memory_directory_is_imported_with_its_timestamps_and_nothing_lost(
    isolated_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_dir = write_seed(tmp_path / "seed" / "memory")
    assert main(["conversations", "import-seed", str(seed_dir)]) == 0
    out = capsys.readouterr().out
    assert "read 5 file(s)" in out and "imported: 2" in out
    assert "not imported: broken.json (not a JSON list of messages)" in out
    assert "not imported: notes.json (not a JSON list of messages)" in out
    assert "not imported: empty-session.json (no messages)" in out
    assert "messages: 6 of 8 imported (75.0%)" in out
    assert "kept verbatim with their conversation: 2 not read as messages, 1 for fields" in out
    assert "1 without a readable timestamp" in out and "text: 94 of 108 characters imported" in out

    conversations = stored(isolated_env)
    fred = conversations["3f2a9c1b-7d0e-4b8a-9c1d-2e3f4a5b6c7d"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", fred.session_id) and not fred.session_id.startswith("-")
    assert [m.content for m in fred.messages] == [m["content"] for m in SEED[fred.imported.original_id]]
    assert fred.messages[0].timestamp == datetime(2025, 3, 1, 10, 15, 30, 123456, tzinfo=UTC)
    assert (fred.started_at, fred.updated_at) == (fred.messages[0].timestamp, fred.messages[-1].timestamp)
    assert fred.imported is not None and fred.imported.unread == ()

    sailing = conversations["9b1c0d2e-4f5a-4b6c-8d7e-0f1a2b3c4d5e"]
    assert [(m.role, m.content) for m in sailing.messages] == [
        ("user", "Do you sail?"),
        ("assistant", "I do, on weekends."),
    ]
    assert sailing.messages[1].timestamp == sailing.messages[0].timestamp  # guessed: the previous one
    assert sailing.imported is not None
    unread = [msgspec.json.decode(raw) for raw in sailing.imported.unread]
    assert unread == [SEED[sailing.imported.original_id][i] for i in (0, 1, 2)]

    # The imported conversations are the owner's to read like any other.
    assert main(["conversations", "show", fred.session_id]) == 0
    assert "assistant: At Corvina Pay." in capsys.readouterr().out


def test_importing_again_changes_nothing_then_brings_grown_conversations_up_to_date(
    isolated_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_dir = write_seed(tmp_path / "seed")
    assert main(["conversations", "import-seed", str(seed_dir)]) == 0
    first = stored(isolated_env)
    capsys.readouterr()
    assert main(["conversations", "import-seed", str(seed_dir)]) == 0
    assert "unchanged: 2" in capsys.readouterr().out
    assert stored(isolated_env) == first

    grown = [*SEED["3f2a9c1b-7d0e-4b8a-9c1d-2e3f4a5b6c7d"], {"role": "user", "content": "Thanks!"}]
    (seed_dir / "3f2a9c1b-7d0e-4b8a-9c1d-2e3f4a5b6c7d.json").write_text(json.dumps(grown))
    assert main(["conversations", "import-seed", str(seed_dir)]) == 0
    assert "updated: 1" in capsys.readouterr().out
    fred = stored(isolated_env)["3f2a9c1b-7d0e-4b8a-9c1d-2e3f4a5b6c7d"]
    assert fred.session_id == first["3f2a9c1b-7d0e-4b8a-9c1d-2e3f4a5b6c7d"].session_id
    assert fred.messages[-1].content == "Thanks!"


def test_a_conversation_erased_after_its_import_is_not_imported_again(
    isolated_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: a conversation erased on its visitor's request came back with the next import."""
    seed_dir = write_seed(tmp_path / "seed")
    assert main(["conversations", "import-seed", str(seed_dir)]) == 0
    fred = stored(isolated_env)["3f2a9c1b-7d0e-4b8a-9c1d-2e3f4a5b6c7d"]
    assert main(["conversations", "delete", fred.session_id]) == 0
    capsys.readouterr()
    assert main(["conversations", "import-seed", str(seed_dir)]) == 0
    out = capsys.readouterr().out
    assert "erased earlier: 1" in out and "unchanged: 1" in out
    assert "3f2a9c1b-7d0e-4b8a-9c1d-2e3f4a5b6c7d" not in stored(isolated_env)


def test_a_seed_conversation_without_any_timestamp_imports_again_unchanged(
    isolated_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its messages take the time of their first import, on every import after it too."""
    seed_dir = tmp_path / "seed"
    seed_dir.mkdir()
    undated = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    (seed_dir / "no-times.json").write_text(json.dumps(undated), encoding="utf-8")
    assert main(["conversations", "import-seed", str(seed_dir)]) == 0
    first = stored(isolated_env)["no-times"]
    capsys.readouterr()
    assert main(["conversations", "import-seed", str(seed_dir)]) == 0
    assert "unchanged: 1" in capsys.readouterr().out
    assert stored(isolated_env)["no-times"] == first


def test_a_timestamp_utc_cannot_hold_is_guessed_like_an_unreadable_one(
    isolated_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: an OverflowError stopped the import at that file, with a traceback."""
    seed_dir = tmp_path / "seed"
    seed_dir.mkdir()
    messages = [
        {"role": "user", "content": "hi", "timestamp": "2025-03-01T10:00:00"},
        {"role": "assistant", "content": "hello", "timestamp": "0001-01-01T00:00:00+01:00"},
        {"role": "user", "content": "bye", "timestamp": "9999-12-31T23:59:59-01:00"},
    ]
    (seed_dir / "a.json").write_text(json.dumps(messages))
    assert main(["conversations", "import-seed", str(seed_dir)]) == 0
    assert "imported: 1" in capsys.readouterr().out
    [conversation] = stored(isolated_env).values()
    assert [m.timestamp for m in conversation.messages] == [datetime(2025, 3, 1, 10, tzinfo=UTC)] * 3


def test_seed_memory_at_the_root_of_a_bucket(
    isolated_env: Path,
    moto_s3: MotoS3Server,
    s3_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_s3.endpoint)
    s3 = boto3.client("s3", endpoint_url=moto_s3.endpoint)
    for name, content in SEED.items():
        s3.put_object(Bucket=s3_bucket, Key=f"{name}.json", Body=json.dumps(content).encode())
    s3.put_object(Bucket=s3_bucket, Key="conversations/someone-elses.json", Body=b"[]")  # not the root
    assert main(["conversations", "import-seed", "--s3-bucket", s3_bucket]) == 0
    out = capsys.readouterr().out
    assert f"read 4 file(s) from s3://{s3_bucket}/" in out and "imported: 2" in out
    assert set(stored(isolated_env)) == {
        "3f2a9c1b-7d0e-4b8a-9c1d-2e3f4a5b6c7d",
        "9b1c0d2e-4f5a-4b6c-8d7e-0f1a2b3c4d5e",
    }


def test_a_missing_directory_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["conversations", "import-seed", str(tmp_path / "nowhere")]) == 1
    assert "is not a directory of seed memory files" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["conversations", "import-seed"])  # a PATH or --s3-bucket is required
