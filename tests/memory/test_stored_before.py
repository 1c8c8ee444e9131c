"""Data written by the store before the one-store change is read after it, from files and from S3.

`fixtures/before-one-store/` was written by the previous code (one conversation with a retried
message and token usage, a contact and a budget counter); it is read here as it is on disk and, on
S3, as the same objects under the default prefixes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import boto3
import pytest

from memory import Memory, file_memory, s3_memory
from tests.support.moto_s3 import MotoS3Server

BEFORE = Path(__file__).resolve().parent / "fixtures" / "before-one-store"
SID = "Fx1-before_the-one-store-change0"


async def read_back(memory: Memory) -> None:
    [summary] = await memory.conversations.list()
    assert summary.session_id == SID and summary.turns == 1
    found = await memory.conversations.load(SID)
    assert found is not None
    question, reply = found.conversation.messages
    assert question.content == "Where do you work? \u00e9\U0001f600" and question.idempotency_key == "k" * 20
    assert reply.usage is not None and (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (12, 4)
    contact = await memory.records.get("contacts", "0123456789ab")
    assert contact is not None and contact.value["email"] == "ada@example.com"
    assert await memory.records.keys("budget") == ["day-2026-11-30"]
    stored = await memory.conversations.append(SID, found.conversation.messages[:0], create=False)
    assert stored.turns == 1  # and it can still be written


async def test_files_written_before_are_read(tmp_path: Path) -> None:
    shutil.copytree(BEFORE, tmp_path / "memory")
    await read_back(file_memory(tmp_path / "memory"))


async def test_s3_objects_written_before_are_read(
    moto_s3: MotoS3Server, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_s3.endpoint)
    client = boto3.client("s3", endpoint_url=moto_s3.endpoint)
    for path in BEFORE.rglob("*.json"):
        relative = path.relative_to(BEFORE).as_posix()
        key = relative if relative.startswith("records/") else f"conversations/{relative}"
        client.put_object(Bucket=s3_bucket, Key=key, Body=path.read_bytes())
    memory = s3_memory(s3_bucket, "conversations/", "records/", timeout_seconds=5)
    try:
        await read_back(memory)
    finally:
        await memory.close()
