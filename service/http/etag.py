"""Conditional GETs: the conversation views carry an ETag, and a poll that sends it back (If-None-Match)
while nothing changed gets 304 with no body. That is what keeps watching a conversation cheap on
Lambda: one read of the document, no body, no rendering."""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Request, Response


def etag_of(*parts: str, weak: bool = False) -> str:
    """An entity tag for a representation that depends on exactly these parts."""
    digest = hashlib.blake2b("\0".join(parts).encode(), digest_size=12).hexdigest()
    return f'{"W/" if weak else ""}"{digest}"'


def unchanged(request: Request[Any, Any, Any], etag: str) -> bool:
    """Whether the request's If-None-Match names `etag` (weak comparison, as RFC 9110 asks for GET)."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") in (wanted, "*") for tag in header.split(","))


def not_modified(etag: str) -> Response[Any]:
    """304: the client's copy is current (typed to stand in for any view's response)."""
    return Response(None, status_code=304, headers={"ETag": etag})
