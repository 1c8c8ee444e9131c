"""Work a request leaves behind (owner notifications, a cut-short turn's charge), run after its reply.

One set per process, made by the app factory: the chat turn and the owner's notifications hand their
work to it, and whoever ends the process (shutdown, the Lambda handler before the container freezes)
lets it finish within a bound.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import anyio


class Background:
    """Tasks started now and finished later; a reference is kept until each is done."""

    def __init__(self, settle_seconds: float) -> None:
        #: The longest `settle` waits unless told less (the outbox keeps what is cut off).
        self.settle_seconds = settle_seconds
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run `work` on the running loop after the current request's reply."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for every task, including tasks those tasks start (tests, and `settle`)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def settle(self, within: float | None = None) -> None:
        """Let the tasks finish for at most `settle_seconds`, or `within` seconds if that is less:
        at shutdown, and on Lambda before the container is frozen."""
        limit = self.settle_seconds if within is None else max(0.0, min(self.settle_seconds, within))
        with anyio.move_on_after(limit):
            await self.drain()
