"""The one store abstraction, run against every backend by the parametrised `backend` fixture."""

from __future__ import annotations

import asyncio

import pytest

from memory import ConflictError, Document, Store
from memory.store import UNCHANGED, InvalidKey, namespace_of


async def test_put_get_and_versions(backend: Store) -> None:
    assert await backend.get("a") is None
    v1 = await backend.put("a", b'{"n":1}')
    found = await backend.get("a")
    assert found == Document(b'{"n":1}', v1)
    v2 = await backend.put("a", b'{"n":2}', expected_version=v1)
    assert v2 != v1
    with pytest.raises(ConflictError):
        await backend.put("a", b'{"n":3}', expected_version=v1)
    with pytest.raises(ConflictError):
        await backend.put("a", b'{"n":3}')  # "must not exist yet"


async def test_delete_is_conditional_when_a_version_is_given(backend: Store) -> None:
    v1 = await backend.put("a", b"{}")
    await backend.put("a", b"[]", expected_version=v1)
    assert await backend.delete("a", expected_version=v1) is False
    assert await backend.delete("a") is True
    assert await backend.delete("a") is False


async def test_namespaces_keep_their_documents_apart(backend: Store) -> None:
    left, right = backend.with_namespace("left"), backend.with_namespace("right/nested")
    await left.put("same", b'"left"')
    await right.put("same", b'"right"')
    await backend.put("root", b'"root"')
    assert (await left.get("same"), await right.get("same")) != (None, None)
    assert (await left.get("same")).raw == b'"left"'  # type: ignore[union-attr]
    assert (await right.get("same")).raw == b'"right"'  # type: ignore[union-attr]
    assert await left.list() == ["same"]
    assert await backend.list() == ["root"]  # a listing never reaches into folders below it
    assert await backend.with_namespace("left/").list() == ["same"]


async def test_list_names_the_documents_of_one_folder(backend: Store) -> None:
    for key in ("contacts/b", "contacts/a", "budget/day", "contacts/deeper/x"):
        await backend.put(key, b"{}")
    assert await backend.list("contacts") == ["a", "b"]
    assert await backend.list("nothing-here") == []


async def test_update_applies_a_change_and_retries_a_lost_race(backend: Store) -> None:
    await backend.put("counter", b"0")

    def add_one(current: Document | None, attempt: int) -> bytes:
        return str(int(current.raw) + 1 if current else 1).encode()

    await asyncio.gather(
        *(backend.update("counter", add_one, attempts=64, what="counter") for _ in range(12))
    )
    assert (await backend.get("counter")).raw == b"12"  # type: ignore[union-attr]
    kept = await backend.update("counter", lambda c, a: UNCHANGED, attempts=1, what="counter")
    assert kept is not None and kept.raw == b"12"
    assert await backend.update("counter", lambda c, a: None, attempts=1, what="counter") is None
    assert await backend.get("counter") is None


@pytest.mark.parametrize("bad", ["", "../up", "a/../b", ".hidden", "a//b", "a b", "k" * 129, "é", "a/.."])
async def test_unsafe_keys_never_reach_the_medium(backend: Store, bad: str) -> None:
    with pytest.raises(InvalidKey):
        await backend.get(bad)
    with pytest.raises(InvalidKey):
        await backend.put(bad, b"{}")
    with pytest.raises(InvalidKey):
        await backend.delete(bad)


@pytest.mark.parametrize(("given", "expected"), [("a", "a/"), ("/a/b/", "a/b/"), ("", ""), (" x ", "x/")])
def test_a_namespace_is_a_folder(given: str, expected: str) -> None:
    assert namespace_of(given) == expected


def test_a_namespace_cannot_climb_out() -> None:
    with pytest.raises(InvalidKey):
        namespace_of("../records")
