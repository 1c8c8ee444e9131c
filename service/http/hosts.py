"""Which host names the API answers to: Litestar's allowed-hosts check, by host name at any port.

A page on another site can make a visitor's browser talk to a twin on their own machine by DNS
rebinding (its name resolves to 127.0.0.1): the requests then name that site in their Host header,
which the origin check would take as the API's own origin. Requests for a host name that is not in
TWIN_ALLOWED_HOSTS get a 400 before any handler runs. Litestar compares the whole Host header
(`localhost:8000` is not `localhost`); here the port is left out, as it is in the configured names.
"""

from __future__ import annotations

import msgspec
from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.middleware.allowed_hosts import AllowedHostsMiddleware
from litestar.middleware.base import DefineMiddleware
from litestar.response.base import ASGIResponse
from litestar.types import ASGIApp, Receive, Scope, Send

from service.http.contract import ErrorBody

_REFUSED = msgspec.json.encode(
    ErrorBody(
        status_code=400,
        detail="this server does not answer for that host name (TWIN_ALLOWED_HOSTS)",
        extra={"error": "host_not_allowed"},
    )
)


def host_name(host: str) -> str:
    """`example.com:8000` -> `example.com`, `[::1]:8000` -> `[::1]`; lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.rpartition(":")[0] if host.count(":") == 1 else host


class HostCheck(AllowedHostsMiddleware):
    """Litestar's allowed-hosts middleware, matching the host name without its port and answering in
    the API's error shape."""

    def __init__(self, app: ASGIApp, config: AllowedHostsConfig) -> None:
        lowered = [host.lower() for host in config.allowed_hosts]
        super().__init__(app, AllowedHostsConfig(allowed_hosts=lowered, www_redirect=False))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        pattern = self.allowed_hosts_regex
        host = MutableScopeHeaders(scope=scope).get("host")
        if pattern is None or (host and pattern.fullmatch(host_name(host))):
            await self.app(scope, receive, send)
            return
        response = ASGIResponse(body=_REFUSED, status_code=400, media_type="application/json")
        await response(scope, receive, send)


def host_check(allowed_hosts: tuple[str, ...]) -> DefineMiddleware:
    """The middleware for `create_app`; `*` among the names turns the check off."""
    return DefineMiddleware(HostCheck, config=AllowedHostsConfig(allowed_hosts=list(allowed_hosts)))
