"""Reading an MCP request's body to look at its envelope hands the SDK the same messages."""

from __future__ import annotations

from typing import Any

from litestar.types import Receive

from service.mcp.envelope import read_body


def receiving(*messages: dict[str, Any]) -> tuple[Receive, list[dict[str, Any]]]:
    queue = list(messages)

    async def receive() -> Any:
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    return receive, queue


async def drain(receive: Receive) -> list[Any]:
    got = [await receive()]
    while got[-1]["type"] == "http.request" and got[-1].get("more_body"):
        got.append(await receive())
    return got


def chunk(body: bytes, more: bool) -> dict[str, Any]:
    return {"type": "http.request", "body": body, "more_body": more}


async def test_a_body_in_chunks_is_read_whole_and_handed_on_as_it_came() -> None:
    sent = [chunk(b'{"id":', True), chunk(b"", True), chunk(b" 1}", False)]
    receive, _ = receiving(*sent)
    body, again = await read_body(receive, limit=100)
    assert body == b'{"id": 1}'
    assert await drain(again) == sent


async def test_past_the_limit_nothing_more_is_read_and_the_rest_still_reaches_the_next_reader() -> None:
    sent = [chunk(b"x" * 60, True), chunk(b"y" * 60, True), chunk(b"z" * 60, False)]
    receive, left = receiving(*sent)
    body, again = await read_body(receive, limit=100)
    assert body is None and len(left) == 1  # the third chunk was not read
    assert await drain(again) == sent


async def test_a_client_that_leaves_mid_body_is_handed_on_as_it_left() -> None:
    sent = [chunk(b"{", True), {"type": "http.disconnect"}]
    receive, _ = receiving(*sent)
    body, again = await read_body(receive, limit=100)
    assert body is None
    assert [await again(), await again()] == sent
