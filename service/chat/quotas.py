"""Per-visitor token quotas: how much of the owner's model budget one client IP and one conversation
may use, so that no single visitor uses up the day (docs/hardening.md has the defaults' arithmetic).

The spend cap (`budget.py`) bounds all visitors together; these bound each one. A turn's cost is
counted before the model is called, from its real prompt (the system prompt, the history sent and
the message, in tokens, plus the longest reply), and what the model then reports is charged.

- Per client IP, tokens per minute and per day: sliding windows in this process's memory. On Lambda
  each container keeps its own, so a visitor whose requests land on several containers at once gets
  each container's quota; the stored spend cap is what holds across all of them.
- Per conversation, tokens per day: read from the usage stored with its replies, so it holds across
  processes and containers.

Only visitors (turns with a client IP) are metered; the owner's `twin chat` and `twin eval` are not.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from memory import Message
from service.errors import RateLimited
from service.runtime.windows import SlidingWindow
from service.settings import LimitSettings

DAY = timedelta(days=1)


class TokenQuotas:
    """Checked by the engine before a visitor's turn; charged by the turn afterwards."""

    def __init__(self, limits: LimitSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self._per_minute = SlidingWindow(limits.ip_tokens_per_minute, 60, clock)
        self._per_day = SlidingWindow(limits.ip_tokens_per_day, DAY.total_seconds(), clock)
        self._session_per_day = limits.session_tokens_per_day

    def check(self, client_ip: str, history: Sequence[Message], cost: int, now: datetime) -> None:
        """Raises: RateLimited (429) when a turn costing `cost` tokens would pass a quota."""
        if (wait := self._per_minute.wait(client_ip, cost)) is not None:
            raise RateLimited("model tokens used from your address this minute", wait)
        if (wait := self._per_day.wait(client_ip, cost)) is not None:
            raise RateLimited("model tokens used from your address today", wait)
        if (wait := session_wait(history, cost, self._session_per_day, now)) is not None:
            raise RateLimited("model tokens used in this conversation today", wait)

    def charge(self, client_ip: str, tokens: int) -> None:
        """Count the tokens a visitor's turn used against the IP's windows."""
        self._per_minute.add(client_ip, tokens)
        self._per_day.add(client_ip, tokens)


def session_wait(history: Sequence[Message], cost: int, limit: int, now: datetime) -> float | None:
    """Seconds until a conversation may spend `cost` more tokens within its daily `limit`, or None.

    The conversation's use is what its replies of the last 24 hours record; anything fits when that
    is nothing, so one large turn is never refused forever.
    """
    if limit <= 0:
        return None
    since = now.astimezone(UTC) - DAY
    spent = [(m.timestamp, m.usage.prompt_tokens + m.usage.completion_tokens)
             for m in history if m.usage is not None and m.timestamp > since]  # fmt: skip
    used = sum(tokens for _, tokens in spent)
    if not used or used + cost <= limit:
        return None
    for at, tokens in sorted(spent):
        used -= tokens
        if not used or used + cost <= limit:
            return max(1.0, math.ceil((at + DAY - now).total_seconds()))
    raise AssertionError("unreachable: a day with nothing spent always fits")
