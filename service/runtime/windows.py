"""Sliding windows kept in this process's memory: rate limits, token quotas, notification bounds.

A window counts what each key (a client IP, a session) used in the last `window` seconds. They exist
to keep one visitor or one script from using up what all visitors share, not to meter anyone exactly.
On Lambda every container keeps its own windows; docs/hardening.md says what holds across them.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

#: Keys remembered per window; the least recently seen are forgotten first.
MAX_KEYS = 50_000


class SlidingWindow:
    """At most `limit` units per key in any `window` seconds; 0 turns the limit off.

    A rate limit counts events (1 unit each); a token quota counts tokens.
    """

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: OrderedDict[str, deque[tuple[float, int]]] = OrderedDict()

    def _current(self, key: str) -> tuple[float, deque[tuple[float, int]]]:
        now = self._clock()
        events = self._events.pop(key, None) or deque()
        while events and events[0][0] <= now - self.window:
            events.popleft()
        self._events[key] = events
        if len(self._events) > MAX_KEYS:
            self._events.popitem(last=False)
        return now, events

    def wait(self, key: str, amount: int = 1) -> float | None:
        """Seconds until `amount` more units fit for `key`, or None when they fit now.

        Anything fits a window with nothing in it, so one large event is never refused forever.
        """
        if self.limit <= 0:
            return None
        now, events = self._current(key)
        used = sum(units for _, units in events)
        if not used or used + amount <= self.limit:
            return None
        for at, units in events:  # the oldest events leave the window first
            used -= units
            if not used or used + amount <= self.limit:
                return max(1.0, math.ceil(at + self.window - now))
        raise AssertionError("unreachable: an empty window always fits")

    def add(self, key: str, amount: int = 1) -> None:
        """Count `amount` units for `key` now."""
        if self.limit > 0 and amount > 0:
            self._current(key)[1].append((self._clock(), amount))

    def retry_after(self, key: str) -> float | None:
        """Seconds until `key` may act again, or None when it may act now (and it is counted)."""
        wait = self.wait(key)
        if wait is None:
            self.add(key)
        return wait
