"""Charging the spend cap in a test: counted and written before the test goes on."""

from __future__ import annotations

from service.chat.budget import SpendCap
from service.providers import Usage


async def charge(cap: SpendCap, usage: Usage, cost_usd: float | None) -> None:
    """What a turn charges, with the counters' write awaited here rather than in the background."""
    write = cap.note(usage, cost_usd)
    if write is not None:
        await write
