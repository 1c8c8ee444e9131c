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


class VisitorLimits:
    """The chat endpoints' limits: per client IP, per session, and new sessions per IP per hour."""

    def __init__(
        self, per_ip_per_minute: int, per_session_per_minute: int, new_sessions_per_hour: int
    ) -> None:
        self.per_ip = SlidingWindow(per_ip_per_minute, 60)
        self.per_session = SlidingWindow(per_session_per_minute, 60)
        self.new_sessions = SlidingWindow(new_sessions_per_hour, 3600)

    def check(self, client_ip: str, session_id: str | None) -> tuple[str, float] | None:
        """(what was exceeded, seconds to wait), or None when the request may go ahead."""
        if (wait := self.per_ip.retry_after(client_ip)) is not None:
            return "messages from your address", wait
        if session_id is None:
            if (wait := self.new_sessions.retry_after(client_ip)) is not None:
                return "new conversations from your address", wait
        elif (wait := self.per_session.retry_after(session_id)) is not None:
            return "messages in this conversation", wait
        return None
