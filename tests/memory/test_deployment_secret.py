"""The deployment secret: made once per deployment, the same for every process, never shown."""

from __future__ import annotations

import asyncio
import logging

import pytest

from memory import DeploymentSecret, RecordStore, StoreUnavailable
from memory.secrets import COLLECTION, KEY


async def test_every_instance_of_a_deployment_derives_the_same_keys(records: RecordStore) -> None:
    first, second = DeploymentSecret(records), DeploymentSecret(records)
    assert await first.key("retry-session") == await second.key("retry-session")
    assert await first.key("retry-session") != await first.key("owner-room")
    assert len(await first.key("owner-room")) == 32


async def test_instances_starting_together_agree_on_one_secret(records: RecordStore) -> None:
    """Lambda containers cold-starting at once each find no secret and try to create one: the
    create-only write lets exactly one win and the others read it."""
    keys = await asyncio.gather(*(DeploymentSecret(records).key("x") for _ in range(8)))
    assert len(set(keys)) == 1
    assert await records.keys(COLLECTION) == [KEY]


async def test_the_secret_is_never_shown_or_logged(
    records: RecordStore, caplog: pytest.LogCaptureFixture
) -> None:
    secret = DeploymentSecret(records)
    with caplog.at_level(logging.DEBUG):
        await secret.key("x")
    stored = await records.get(COLLECTION, KEY)
    assert stored is not None
    assert stored.value["secret"] not in repr(secret) and stored.value["secret"] not in caplog.text


async def test_a_mangled_secret_is_a_store_failure_not_a_weak_key(records: RecordStore) -> None:
    await records.put(COLLECTION, KEY, {"secret": "c2hvcnQ="})
    with pytest.raises(StoreUnavailable, match="deployment secret is malformed"):
        await DeploymentSecret(records).key("x")
