"""The streaming entry on Lambda: the same app under uvicorn, behind the Lambda Web Adapter.

`service/entry/lambda_stream.sh` is the streaming function's handler. The adapter (a layer, started through
`AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap`) runs it, waits until GET /health answers, then turns every
function URL invocation into an HTTP request to this server and streams the response back as it is
written (`AWS_LWA_INVOKE_MODE=response_stream`). The server listens on 127.0.0.1: the adapter is its
only client. `StreamDoor` stands between the adapter and the app:

- it serves POST /chat/stream (and its preflight) and GET /health, nothing else, so the URL is no way
  around the HTTP API (and its throttling) for the other routes;
- the visitor's address is the source IP of the request context the adapter sends as the
  `x-amzn-request-context` header (it replaces any header of that name a client sent); uvicorn's proxy
  headers are off, so an X-Forwarded-For a client writes changes nothing. A chat request without that
  context did not come through the adapter and is refused;
- the end of a response waits until the turn's background work (owner notifications, the spend cap's
  counters) has settled: Lambda freezes the environment as soon as the response is complete. The web
  client stops reading at the `done` event, so visitors do not wait for it. The wait ends a second
  before the invocation's deadline (from the Lambda context the adapter sends), as in the handler.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import time
from collections.abc import Sequence

import msgspec
import uvicorn
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from service.app import create_app
from service.entry.heap import keep_startup_heap
from service.entry.secrets import with_secrets
from service.http.contract import ErrorBody
from service.runtime.background import Background
from service.settings import Settings

#: The one route the door exists for, and the adapter's readiness check (AWS_LWA_READINESS_CHECK_PATH).
STREAM_PATH = "/chat/stream"
READINESS_PATH = "/health"
SERVED = frozenset({("POST", STREAM_PATH), ("OPTIONS", STREAM_PATH), ("GET", READINESS_PATH)})

#: The header the adapter sets to the invocation's request context (JSON).
REQUEST_CONTEXT = b"x-amzn-request-context"
#: The header the adapter sets to the Lambda invocation's context (JSON, with its `deadline`).
LAMBDA_CONTEXT = b"x-amzn-lambda-context"
#: What the end of a response leaves before the deadline after waiting for background work (as the
#: buffered handler does).
SETTLE_MARGIN_SECONDS = 1.0


def visitor_address(context: bytes) -> str | None:
    """The source IP in a request context: `http.sourceIp` from a function URL (payload 2.0),
    `identity.sourceIp` from a REST API; None when there is none or it is not an IP address."""
    try:
        parsed = json.loads(context)
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    for part in ("http", "identity"):
        source = parsed.get(part)
        address = source.get("sourceIp") if isinstance(source, dict) else None
        if isinstance(address, str):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return None
    return None


class StreamDoor:
    """The app as the streaming function serves it (see the module's docstring)."""

    def __init__(self, app: ASGIApp, background: Background) -> None:
        self.app = app
        self.background = background

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:  # lifespan: the app starts up and shuts down as usual
            await self.app(scope, receive, send)
            return
        if (scope["method"], scope["path"]) not in SERVED:
            await _refuse(send, 404, "Not Found")
            return
        context = dict(scope["headers"]).get(REQUEST_CONTEXT)
        address = visitor_address(context) if context is not None else None
        if scope["path"] == STREAM_PATH:
            if address is None:
                await _refuse(send, 403, "chat requests come through the function URL")
                return
            scope["client"] = (address, 0)
        left = time_left(dict(scope["headers"]).get(LAMBDA_CONTEXT))
        ends = None if left is None else time.monotonic() + left - SETTLE_MARGIN_SECONDS
        await self.app(scope, receive, self._settling(send, ends))

    def _settling(self, send: Send, ends: float | None) -> Send:
        """`send`, but the response's end first waits for the background work, until `ends` at most
        (a monotonic time; None: the background's own limit)."""

        async def settle_then_send(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                await self.background.settle(None if ends is None else ends - time.monotonic())
            await send(message)

        return settle_then_send


def time_left(context: bytes | None) -> float | None:
    """Seconds until the invocation's deadline (`deadline`, epoch milliseconds, in the Lambda context
    the adapter sends); None without one."""
    try:
        deadline = json.loads(context)["deadline"] if context is not None else None
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(deadline, int | float) or isinstance(deadline, bool):
        return None
    return deadline / 1000 - time.time()


_encode = msgspec.json.Encoder().encode


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = _encode(ErrorBody(status_code=status, detail=detail))
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def main(argv: Sequence[str] | None = None) -> None:
    """Build the app once (settings from the environment, the key from SSM) and serve it on 127.0.0.1."""
    parser = argparse.ArgumentParser(prog="python -m service.entry.lambda_stream", description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="the adapter's AWS_LWA_PORT")
    args = parser.parse_args(argv)
    app = create_app(with_secrets(Settings.from_env(env_file=None)))
    keep_startup_heap()
    uvicorn.run(
        StreamDoor(app, app.state.background),
        host="127.0.0.1",
        port=args.port,
        lifespan="on",
        proxy_headers=False,
        server_header=False,
        access_log=False,
        log_config=None,
    )


if __name__ == "__main__":
    main()
