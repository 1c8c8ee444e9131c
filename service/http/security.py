"""Security headers on every response, set in one place (a before-send hook)."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

#: Headers every response carries unless its handler set its own.
HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
}
#: API answers are data, never documents to render: nothing may load from or frame them. The chat
#: page sets its own policy; the interactive schema docs (/schema) load their viewer's assets.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
#: The owner's room holds visitors' conversations: never cached, and no address of it (a conversation's
#: id) leaves with a link the owner follows (`same-origin`, not `no-referrer`: that would make browsers
#: send `Origin: null` on the room's own requests, which its origin check refuses). Its pages set their
#: own policy (service.http.owner_gate).
ROOM_HEADERS = {"cache-control": "no-store", "referrer-policy": "same-origin"}


async def add_security_headers(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    path = str(scope.get("path", ""))
    room = path == "/owner" or path.startswith("/owner/")
    for name, value in (HEADERS | ROOM_HEADERS if room else HEADERS).items():
        if name not in headers:
            headers[name] = value
    if "content-security-policy" not in headers and not path.startswith("/schema"):
        headers["content-security-policy"] = API_CSP
