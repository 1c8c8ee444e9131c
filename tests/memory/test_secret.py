"""The deployment's secret: made once in the store (a conditional write), the same for every instance
however many race to make it, on files and on S3, never shown."""

from __future__ import annotations

import anyio
import pytest

from memory import RecordStore, StoreUnavailable
from memory.secret import COLLECTION, KEY, DeploymentSecret, SharedSecret, load_or_create


async def test_it_is_made_once_and_read_back_by_every_instance(records: RecordStore) -> None:
    first = await load_or_create(records)
    again = await load_or_create(records)
    assert first.key("owner-session") == again.key("owner-session")
    assert first.key("owner-session") != first.key("csrf")  # one key per purpose


async def test_instances_racing_to_make_it_end_up_with_the_same_one(records: RecordStore) -> None:
    found: list[bytes] = []

    async def one() -> None:
        found.append((await SharedSecret(records).get()).key("csrf"))

    async with anyio.create_task_group() as group:
        for _ in range(8):
            group.start_soon(one)
    assert len(found) == 8 and len(set(found)) == 1
    assert await records.keys(COLLECTION) == [KEY]


async def test_an_unreadable_secret_is_a_store_failure_not_a_new_secret(records: RecordStore) -> None:
    await records.put(COLLECTION, KEY, {"secret": "not base64!"})
    with pytest.raises(StoreUnavailable, match="unreadable"):
        await load_or_create(records)


def test_it_never_shows_itself() -> None:
    secret = DeploymentSecret(b"s" * 32)
    assert "sss" not in repr(secret) and "hidden" in repr(secret)
    with pytest.raises(ValueError):
        DeploymentSecret(b"short")
