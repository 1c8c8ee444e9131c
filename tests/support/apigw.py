"""API Gateway HTTP API (payload format 2.0) events, as Lambda receives them."""

from __future__ import annotations

import base64
from typing import Any

#: The API's host name in these events; a deployment lists its own in TWIN_ALLOWED_HOSTS.
API_HOST = "api.example.test"


def http_event(
    method: str,
    path: str,
    *,
    body: str | None = None,
    headers: dict[str, str] | None = None,
    base64_body: bool = False,
    source_ip: str = "203.0.113.7",
    cookies: list[str] | None = None,
    query: str = "",
) -> dict[str, Any]:
    """One HTTP API v2 event; `base64_body` encodes the body as API Gateway does for binary media.
    `cookies` are `name=value` pairs: payload 2.0 carries them beside the headers, not in them."""
    encoded = base64.b64encode(body.encode()).decode() if body is not None and base64_body else body
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"host": API_HOST, "user-agent": "test", **(headers or {})},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": API_HOST,
            "domainPrefix": "api",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": "test",
            },
            "requestId": "request",
            "routeKey": "$default",
            "stage": "$default",
            "time": "25/Nov/2026:12:00:00 +0000",
            "timeEpoch": 1795000000000,
        },
        "body": encoded,
        "isBase64Encoded": base64_body,
    }
    if cookies:
        event["cookies"] = cookies
    return event
