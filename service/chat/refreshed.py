"""A value the owner can change while a process runs (answers, instructions), kept per process and read
again from the records store when older than the refresh period.

A store failure keeps the last value (logged) and tries again at the next refresh. `invalidate()`
makes the next read go to the store: the owner's room calls it after a change, so the process that
took the change uses it at once; other processes (other Lambda containers) within the refresh period.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import anyio

from memory import StoreError

log = logging.getLogger("twin.owner")

T = TypeVar("T")


class Refreshed(Generic[T]):
    """`load()`'s result, read again when older than `refresh_seconds`."""

    def __init__(
        self,
        what: str,
        load: Callable[[], Awaitable[T]],
        initial: T,
        refresh_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._what = what
        self._load = load
        self._value = initial
        self._refresh = refresh_seconds
        self._clock = clock
        self._loaded_at: float | None = None
        self._lock = anyio.Lock()

    async def get(self) -> T:
        if self._fresh():
            return self._value
        async with self._lock:
            if not self._fresh():  # another turn may have refreshed while this one waited
                await self._reload()
        return self._value

    def invalidate(self) -> None:
        self._loaded_at = None

    def _fresh(self) -> bool:
        return self._loaded_at is not None and self._clock() - self._loaded_at < self._refresh

    async def _reload(self) -> None:
        try:
            self._value = await self._load()
        except StoreError as exc:
            log.warning("%s not refreshed: %s", self._what, type(exc).__name__)
        self._loaded_at = self._clock()
