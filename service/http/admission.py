"""Who may ask the twin something right now: the origin check and the rate limits, in one place.

The origin check is not authentication: any non-browser client can send any Origin header (or
none). It stops other websites from embedding the twin through visitors' browsers, alongside CORS.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from service.errors import OriginNotAllowed, RateLimited
from service.http.limits import VisitorLimits
from service.settings import LimitSettings


class Admission:
    """Checked by the chat handlers before any work is done."""

    def __init__(self, limits: LimitSettings, cors_origins: tuple[str, ...]) -> None:
        self.allowed_origins = frozenset(cors_origins)
        self.limits = VisitorLimits(
            limits.rate_limit_per_minute, limits.session_rate_limit_per_minute, limits.new_sessions_per_hour
        )

    def admit(self, request: Request[Any, Any, Any], session_id: str | None) -> None:
        """Raises: OriginNotAllowed (403) or RateLimited (429, with the seconds to wait)."""
        self.check_origin(request)
        # The peer address: behind API Gateway, Mangum takes it from the request context
        # (requestContext.http.sourceIp), never from a header a client could forge.
        client_ip = request.client.host if request.client else "unknown"
        exceeded = self.limits.check(client_ip, session_id)
        if exceeded:
            raise RateLimited(*exceeded)

    def check_origin(self, request: Request[Any, Any, Any]) -> None:
        """Raises: OriginNotAllowed (403) for a browser on a site the owner has not allowed."""
        origin = request.headers.get("origin")
        if origin and origin not in self.allowed_origins and origin != _own_origin(request):
            raise OriginNotAllowed(origin)


def _own_origin(request: Request[Any, Any, Any]) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"
