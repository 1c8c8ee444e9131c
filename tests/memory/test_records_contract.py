"""The records contract, run against every backend by the parametrised `records` fixture."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import boto3
import pytest

from memory import ConflictError, StoreUnavailable
from memory.file import FileStore
from memory.records import (
    InvalidRecordKey,
    RecordStore,
    digest_key,
    validate_collection,
    validate_key,
)
from memory.s3 import S3Store
from tests.support.moto_s3 import MotoS3Server


async def test_missing_record_reads_as_none(records: RecordStore) -> None:
    assert await records.get("contacts", "nobody") is None


async def test_put_then_get_returns_the_document_and_a_version(records: RecordStore) -> None:
    version = await records.put("contacts", "k1", {"email": "a@example.com", "count": 1})
    found = await records.get("contacts", "k1")
    assert found is not None
    assert found.value == {"email": "a@example.com", "count": 1}
    assert found.version == version


async def test_put_without_version_refuses_to_overwrite_an_existing_record(records: RecordStore) -> None:
    await records.put("contacts", "k1", {"n": 1})
    with pytest.raises(ConflictError):
        await records.put("contacts", "k1", {"n": 2})
    found = await records.get("contacts", "k1")
    assert found is not None and found.value == {"n": 1}


async def test_put_with_a_stale_version_is_a_conflict_and_changes_nothing(records: RecordStore) -> None:
    v1 = await records.put("budget", "day-2026-11-25", {"tokens": 1})
    v2 = await records.put("budget", "day-2026-11-25", {"tokens": 2}, expected_version=v1)
    assert v2 != v1
    with pytest.raises(ConflictError):
        await records.put("budget", "day-2026-11-25", {"tokens": 99}, expected_version=v1)
    found = await records.get("budget", "day-2026-11-25")
    assert found is not None and found.value == {"tokens": 2} and found.version == v2


async def test_put_with_a_version_on_a_deleted_record_is_a_conflict(records: RecordStore) -> None:
    v1 = await records.put("contacts", "k1", {"n": 1})
    assert await records.delete("contacts", "k1")
    with pytest.raises(ConflictError):
        await records.put("contacts", "k1", {"n": 2}, expected_version=v1)


async def test_delete_is_conditional_on_the_version_when_one_is_given(records: RecordStore) -> None:
    v1 = await records.put("contacts", "k1", {"n": 1})
    await records.put("contacts", "k1", {"n": 2}, expected_version=v1)
    assert not await records.delete("contacts", "k1", expected_version=v1)
    assert await records.get("contacts", "k1") is not None
    assert await records.delete("contacts", "k1")
    assert not await records.delete("contacts", "k1")
    assert await records.get("contacts", "k1") is None


async def test_an_undecodable_record_is_skipped_by_items_and_kept(records: RecordStore) -> None:
    await records.put("contacts", "good", {"email": "ada@example.com"})
    await records.store.put("contacts/bad", b'{"email": ')
    with pytest.raises(StoreUnavailable, match="contacts/bad"):
        await records.get("contacts", "bad")
    assert list(await records.items("contacts")) == ["good"]
    assert await records.keys("contacts") == ["bad", "good"]


async def test_delete_if_deletes_only_what_is_still_stale(records: RecordStore) -> None:
    await records.put("contacts", "c", {"seen": 1})
    assert await records.delete_if("contacts", "c", lambda value: value["seen"] > 1) is False
    assert await records.get("contacts", "c") is not None
    assert await records.delete_if("contacts", "c", lambda value: value["seen"] == 1) is True
    assert await records.get("contacts", "c") is None
    assert await records.delete_if("contacts", "c", lambda value: True) is False


async def test_keys_lists_one_collection_sorted_and_nothing_else(records: RecordStore) -> None:
    for key in ("b", "a", "c"):
        await records.put("questions", key, {"q": key})
    await records.put("contacts", "z", {})
    assert await records.keys("questions") == ["a", "b", "c"]
    assert await records.keys("contacts") == ["z"]
    assert await records.keys("feedback") == []
    assert list((await records.items("questions")).keys()) == ["a", "b", "c"]


async def test_update_creates_changes_and_deletes(records: RecordStore) -> None:
    def bump(value: Any) -> Any:
        return {"count": (value or {"count": 0})["count"] + 1}

    assert await records.update("questions", "q", bump) == {"count": 1}
    assert await records.update("questions", "q", bump) == {"count": 2}
    assert await records.update("questions", "q", lambda _: None) is None
    assert await records.get("questions", "q") is None


async def test_concurrent_updates_of_one_record_lose_nothing(records: RecordStore) -> None:
    def add(n: int) -> Any:
        def apply(value: Any) -> Any:
            current = value or {"total": 0, "seen": []}
            return {"total": current["total"] + n, "seen": [*current["seen"], n]}

        return apply

    await asyncio.gather(*(records.update("budget", "today", add(n)) for n in range(1, 21)))
    found = await records.get("budget", "today")
    assert found is not None
    assert found.value["total"] == sum(range(1, 21))
    assert sorted(found.value["seen"]) == list(range(1, 21))


async def test_update_gives_up_with_a_conflict_after_its_attempts(records: RecordStore) -> None:
    await records.put("budget", "hot", {"n": 0})
    records.update_attempts = 3
    original = records.store._put
    attempts = 0

    async def someone_else_writes_first(key: str, raw: bytes, expected: str | None) -> str:
        # Another writer changes the record between every read and write of this update.
        nonlocal attempts
        attempts += 1
        current = await records.store._get(key)
        assert current is not None
        await original(key, b'{"n": -%d}' % attempts, current.version)
        return await original(key, raw, expected)

    records.store._put = someone_else_writes_first  # type: ignore[method-assign]
    with pytest.raises(ConflictError, match="too many concurrent writes to record budget/hot"):
        await records.update("budget", "hot", lambda value: {"n": value["n"] + 1})
    assert attempts == 3


@pytest.mark.parametrize("bad", ["", "../x", "a/b", ".hidden", "x.json", "a b", "k" * 129, "é"])
async def test_unsafe_keys_are_refused_before_touching_storage(records: RecordStore, bad: str) -> None:
    with pytest.raises(InvalidRecordKey):
        await records.get("contacts", bad)
    with pytest.raises(InvalidRecordKey):
        await records.put("contacts", bad, {})
    with pytest.raises(InvalidRecordKey):
        await records.delete("contacts", bad)


@pytest.mark.parametrize("bad", ["", "../records", "Contacts", "a/b", "x.y", "-x"])
async def test_unsafe_collections_are_refused(records: RecordStore, bad: str) -> None:
    with pytest.raises(InvalidRecordKey):
        await records.keys(bad)
    with pytest.raises(InvalidRecordKey):
        await records.get(bad, "k")


def test_validators_accept_the_names_callers_derive() -> None:
    assert validate_collection("pending-notifications") == "pending-notifications"
    assert validate_key(digest_key("Someone@Example.com")) == digest_key("Someone@Example.com")
    assert validate_key("day-2026-11-25") == "day-2026-11-25"
    assert len(digest_key("x")) == 32


async def test_file_records_live_under_collection_folders(tmp_path: Path) -> None:
    records = RecordStore(FileStore(tmp_path).with_namespace("records"))
    await records.put("contacts", "k1", {"n": 1})
    assert (tmp_path / "records" / "contacts" / "k1.json").is_file()
    assert not list((tmp_path / "records" / "contacts").glob(".*.tmp"))


async def test_s3_records_live_under_their_own_prefix(moto_s3: MotoS3Server, s3_bucket: str) -> None:
    records = RecordStore(S3Store(s3_bucket, "records", endpoint_url=moto_s3.endpoint))
    try:
        await records.put("contacts", "k1", {"n": 1})
        listed = boto3.client("s3", endpoint_url=moto_s3.endpoint).list_objects_v2(Bucket=s3_bucket)
        assert [o["Key"] for o in listed["Contents"]] == ["records/contacts/k1.json"]
        assert records.location == f"s3://{s3_bucket}/records/"
    finally:
        await records.store.close()


async def test_s3_failure_is_store_unavailable_and_writes_nothing(
    moto_s3: MotoS3Server, s3_bucket: str
) -> None:
    records = RecordStore(S3Store(s3_bucket, "records/", endpoint_url=moto_s3.endpoint))
    try:
        moto_s3.fail(500, methods={"PUT"})
        with pytest.raises(StoreUnavailable):
            await records.put("contacts", "k1", {"n": 1})
        moto_s3.clear_faults()
        assert await records.get("contacts", "k1") is None
    finally:
        await records.store.close()


async def test_items_raises_a_failed_read_as_itself_not_as_a_group(records: RecordStore) -> None:
    await records.put("questions", "a", {})
    await records.put("questions", "b", {})

    async def broken(key: str) -> None:
        raise StoreUnavailable("memory unavailable, try again")

    records.store._get = broken  # type: ignore[method-assign]
    with pytest.raises(StoreUnavailable):
        await records.items("questions")
