"""Per-client and per-session rate limits: sliding windows kept in this process's memory.

On Lambda every container keeps its own windows, so a visitor spread over several containers gets
a little more; API Gateway's stage throttling is the global ceiling. The limits exist to keep one
visitor (or one script) from spending the owner's tokens, not to meter anyone exactly.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

#: Keys remembered per limiter; the least recently seen are forgotten first.
MAX_KEYS = 50_000


class SlidingWindow:
    """At most `limit` events per key in any `window` seconds; 0 turns the limit off."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, key: str) -> float | None:
        """Seconds until `key` may act again, or None when it may act now (and it is counted)."""
        if self.limit <= 0:
            return None
        now = self._clock()
        events = self._events.pop(key, None) or deque()
        while events and events[0] <= now - self.window:
            events.popleft()
        self._events[key] = events
        if len(self._events) > MAX_KEYS:
            self._events.popitem(last=False)
        if len(events) >= self.limit:
            return max(1.0, math.ceil(events[0] + self.window - now))
        events.append(now)
        return None
