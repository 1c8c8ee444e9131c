"""The one mapping from application errors to HTTP responses (Litestar exception handlers)."""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response

from service.errors import MessageTooLong, classify, public_message, retry_after
from service.http.contract import ErrorBody

log = logging.getLogger("twin")


def handle_app_error(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    """The one mapping from application errors to HTTP responses."""
    status, kind = classify(exc)
    if status >= 500:
        log.warning(
            "request failed: %s %s -> %d %s (%s)",
            request.method,
            request.url.path,
            status,
            kind,
            type(exc).__name__,
        )
    extra: dict[str, object] | None = {"error": kind}
    if isinstance(exc, MessageTooLong):
        extra = {"error": kind, "key": "message", "max_message_chars": exc.limit}
    headers = {}
    wait = retry_after(exc)
    if wait is not None:
        headers["Retry-After"] = str(wait)
    return Response(
        ErrorBody(status_code=status, detail=public_message(exc), extra=extra),
        status_code=status,
        headers=headers,
        media_type=MediaType.JSON,
    )


def handle_deep_json(request: Request[Any, Any, Any], exc: RecursionError) -> Response[ErrorBody]:
    """msgspec refuses JSON nested deeper than the interpreter's recursion allows with a
    RecursionError (a body of a few kB can do it): the client's fault, so a 400 like any malformed
    JSON. Any other RecursionError is a fault here."""
    if "deserializing" not in str(exc):
        return handle_internal(request, exc)
    return Response(
        ErrorBody(status_code=400, detail="JSON is malformed: nested too deeply"),
        status_code=400,
        media_type=MediaType.JSON,
    )


def handle_internal(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    """Anything unforeseen: logged with its trace on the server, a plain 500 for the client."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return Response(
        ErrorBody(status_code=500, detail="internal server error"), status_code=500, media_type=MediaType.JSON
    )
