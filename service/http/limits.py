"""Per-client and per-session rate limits: sliding windows kept in this process's memory.

On Lambda every container keeps its own windows, so a visitor spread over several containers gets
a little more; API Gateway's stage throttling is the global ceiling.
"""

from __future__ import annotations

from service.runtime.windows import SlidingWindow


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
