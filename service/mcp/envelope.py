"""A request the MCP SDK's transport would take for a notification: a JSON-RPC envelope with a
`method` and an `id` that is neither a string nor an integer (MCP allows no other, not even null).
The SDK answers 202 and runs nothing, so the client waits for an answer that never comes; here it
is a 400 with JSON-RPC's "Invalid Request" error, before the SDK is even imported.

Reading the body to look at it must not change what the SDK reads: the body is handed back to it
as it came (whole, or, past the size limit, the part read and then the rest, for the SDK's 413).
"""

from __future__ import annotations

import msgspec
from litestar.types import Receive, ReceiveMessage, Send

#: JSON-RPC's code for an envelope that is not a valid request.
INVALID_REQUEST = -32600
REFUSAL = msgspec.json.encode(
    {
        "jsonrpc": "2.0",
        "id": None,
        "error": {
            "code": INVALID_REQUEST,
            "message": "Invalid Request: a request's id must be a string or an integer",
        },
    }
)


async def read_body(receive: Receive, limit: int) -> tuple[bytes | None, Receive]:
    """The whole body when it is at most `limit` bytes (else None: the SDK answers with its 413, or
    the client left), and a `receive` that hands the next reader the same messages, then the rest."""
    read: list[ReceiveMessage] = []
    body = b""
    while True:
        message = await receive()
        read.append(message)
        if message["type"] != "http.request":
            return None, _replay(read, receive)
        body += message.get("body", b"")
        if len(body) > limit:
            return None, _replay(read, receive)
        if not message.get("more_body", False):
            return body, _replay(read, receive)


def _replay(read: list[ReceiveMessage], receive: Receive) -> Receive:
    """The messages in `read` again, one by one, then whatever `receive` gives."""
    queue = list(read)

    async def again() -> ReceiveMessage:
        return queue.pop(0) if queue else await receive()

    return again


def invalid(body: bytes) -> bool:
    """Whether `body` is a request (an object with a method) whose id is not a string or an integer."""
    try:
        envelope = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return False  # the SDK's parse error answers it
    if not isinstance(envelope, dict) or "method" not in envelope or "id" not in envelope:
        return False
    request_id = envelope["id"]
    return not (
        isinstance(request_id, str) or (isinstance(request_id, int) and not isinstance(request_id, bool))
    )


async def refuse(send: Send) -> None:
    """A 400 with the Invalid Request error (its id null: the request's own could not be used)."""
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(REFUSAL)).encode())]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": REFUSAL, "more_body": False})
