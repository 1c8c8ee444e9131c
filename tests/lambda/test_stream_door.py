"""StreamDoor on its own: which address the app sees, and that a response ends only once the turn's
background work has settled (Lambda freezes the environment when the response is complete)."""

from __future__ import annotations

import json
import time
from typing import Any, cast

import pytest
from litestar.types import Message, Receive, Scope, Send

from service.entry.lambda_stream import StreamDoor, time_left, visitor_address
from service.runtime.background import Background
from tests.support.web_adapter import function_url_context


@pytest.mark.parametrize(
    ("context", "address"),
    [
        (function_url_context("198.51.100.7"), "198.51.100.7"),
        (function_url_context("2001:db8::1"), "2001:db8::1"),
        (json.dumps({"identity": {"sourceIp": "203.0.113.9"}}), "203.0.113.9"),  # a REST API's
        (function_url_context("not-an-address"), None),
        (json.dumps({"http": {"method": "POST"}}), None),
        (json.dumps(["198.51.100.7"]), None),
        ("{not json", None),
    ],
)
def test_the_visitor_address_is_the_contexts_source_ip_or_none(context: str, address: str | None) -> None:
    assert visitor_address(context.encode()) == address


class Recorder:
    """An app that streams two chunks, background work whose settling is recorded: one log of both."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.client: object = None
        self.within: float | None = None

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.client = scope.get("client")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"event: done\n\n", "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def settle(self, within: float | None = None) -> None:
        self.log.append("settled")
        self.within = within

    async def send(self, message: Message) -> None:
        self.log.append(f"{message['type']} more={message.get('more_body')}")


async def call(door: StreamDoor, recorder: Recorder, path: str, headers: list[tuple[bytes, bytes]]) -> None:
    scope = {"type": "http", "method": "POST" if path != "/health" else "GET", "path": path,
             "headers": headers, "client": ("127.0.0.1", 5000)}  # fmt: skip

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    await door(cast(Scope, scope), cast(Receive, receive), recorder.send)


def door_for(recorder: Recorder) -> StreamDoor:
    return StreamDoor(recorder.app, cast(Background, cast(Any, recorder)))


async def test_the_response_ends_only_after_the_background_work_has_settled() -> None:
    recorder = Recorder()
    context = (b"x-amzn-request-context", function_url_context("198.51.100.7").encode())
    await call(door_for(recorder), recorder, "/chat/stream", [context])
    assert recorder.log == [
        "http.response.start more=None",
        "http.response.body more=True",
        "settled",
        "http.response.body more=False",
    ]
    assert recorder.client == ("198.51.100.7", 0)  # the app's limits count the visitor, not the adapter


@pytest.mark.parametrize(("seconds_left", "bounded"), [(12.0, True), (0.5, True), (None, False)])
async def test_the_wait_for_background_work_ends_before_the_invocations_deadline(
    seconds_left: float | None, bounded: bool
) -> None:
    """As the buffered handler does: a second before the deadline the adapter's Lambda context names
    (epoch milliseconds); without one, the background's own limit."""
    recorder = Recorder()
    headers = [(b"x-amzn-request-context", function_url_context("198.51.100.7").encode())]
    if seconds_left is not None:
        deadline = int((time.time() + seconds_left) * 1000)
        headers.append(
            (b"x-amzn-lambda-context", json.dumps({"request_id": "r", "deadline": deadline}).encode())
        )
    await call(door_for(recorder), recorder, "/chat/stream", headers)
    if not bounded:
        assert recorder.within is None
    else:
        assert seconds_left is not None and recorder.within is not None
        assert seconds_left - 1 - 0.5 < recorder.within <= seconds_left - 1


@pytest.mark.parametrize("context", [b"{not json", b'{"deadline": "soon"}', b"[]", b'{"deadline": true}'])
def test_a_lambda_context_without_a_usable_deadline_gives_no_bound(context: bytes) -> None:
    assert time_left(context) is None


async def test_the_readiness_check_reaches_the_app_from_the_adapters_own_address() -> None:
    recorder = Recorder()
    await call(door_for(recorder), recorder, "/health", [])
    assert recorder.client == ("127.0.0.1", 5000)
