"""Tests of the FakeOpenAI test server, driven through the official ``openai`` client."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator

import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from tests.support.fake_openai import FakeOpenAI, Reply

MESSAGES: list[ChatCompletionMessageParam] = [
    {"role": "system", "content": "You are a twin."},
    {"role": "user", "content": "Tell me about your career please."},
]
MODEL = "gpt-fake"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def client(fake: FakeOpenAI) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=fake.base_url, api_key="test", max_retries=0, timeout=5.0) as c:
        yield c


@pytest.fixture
async def aclient(fake: FakeOpenAI) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(base_url=fake.base_url, api_key="test", max_retries=0, timeout=5.0) as c:
        yield c


def _stream_text(client: openai.OpenAI, **extra: object) -> tuple[list[str], list[object]]:
    """Return (content pieces, all chunks) of a streamed completion."""
    pieces: list[str] = []
    chunks: list[object] = []
    stream = client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True, **extra)  # type: ignore[call-overload]
    for chunk in stream:
        chunks.append(chunk)
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
    return pieces, chunks


# --------------------------------------------------------------------------- basics


def test_base_url_is_loopback_ephemeral(fake: FakeOpenAI) -> None:
    assert fake.base_url.startswith("http://127.0.0.1:")
    assert fake.base_url.endswith("/v1")
    assert fake.port > 0


def test_plain_reply_and_usage(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.reply("Hello", " there", "!", completion_tokens=3)
    completion = client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert completion.object == "chat.completion"
    assert completion.model == MODEL
    choice = completion.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content == "Hello there!"
    assert choice.finish_reason == "stop"
    assert completion.usage is not None
    chars = len("You are a twin.") + len("Tell me about your career please.")
    assert completion.usage.prompt_tokens == -(-chars // 4)
    assert completion.usage.completion_tokens == 3
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + 3


def test_fixed_prompt_tokens_and_default_reply(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.prompt_tokens = 42
    completion = client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert completion.choices[0].message.content == "Default reply."
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == 42

    fake.set_default("Other", " default")
    completion = client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert completion.choices[0].message.content == "Other default"


def test_queue_order_then_default(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.reply("one").reply("two").push(Reply(pieces=("three",)))
    assert fake.pending == 3
    contents = [client.chat.completions.create(model=MODEL, messages=MESSAGES) for _ in range(4)]
    assert [c.choices[0].message.content for c in contents] == ["one", "two", "three", "Default reply."]
    assert fake.pending == 0


# --------------------------------------------------------------------------- streaming


def test_streaming_pieces_in_order_with_usage(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.reply("Hello", " there", "!", completion_tokens=3, prompt_tokens=10)
    pieces, chunks = _stream_text(client, stream_options={"include_usage": True})
    assert pieces == ["Hello", " there", "!"]
    first, final, usage_chunk = chunks[0], chunks[-2], chunks[-1]
    assert isinstance(first, openai.types.chat.ChatCompletionChunk)
    assert first.choices[0].delta.role == "assistant"
    assert isinstance(final, openai.types.chat.ChatCompletionChunk)
    assert final.choices[0].finish_reason == "stop"
    assert isinstance(usage_chunk, openai.types.chat.ChatCompletionChunk)
    assert usage_chunk.choices == []
    assert usage_chunk.usage is not None
    assert (usage_chunk.usage.prompt_tokens, usage_chunk.usage.completion_tokens) == (10, 3)
    assert usage_chunk.usage.total_tokens == 13


def test_streaming_without_include_usage_has_no_usage_chunk(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.reply("a", "b", delay=0.01)
    pieces, chunks = _stream_text(client)
    assert pieces == ["a", "b"]
    last = chunks[-1]
    assert isinstance(last, openai.types.chat.ChatCompletionChunk)
    assert last.choices[0].finish_reason == "stop"
    assert last.usage is None


def test_a_held_reply_streams_its_first_piece_and_the_rest_once_released(
    fake: FakeOpenAI, client: openai.OpenAI
) -> None:
    hold = threading.Event()
    fake.reply("first", " second", " third", hold=hold)
    stream = client.chat.completions.create(
        model="gpt-fake", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    texts = (chunk.choices[0].delta.content for chunk in stream if chunk.choices)
    assert [next(texts), next(texts)] == ["", "first"]  # the role chunk, then the first piece
    hold.set()
    assert [text for text in texts if text] == [" second", " third"]


def test_streams_reuse_keepalive_connection(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    for i in range(3):
        fake.reply(f"r{i}", "x")
        assert _stream_text(client)[0] == [f"r{i}", "x"]
    assert fake.request_count == 3


async def test_async_streaming_and_plain(fake: FakeOpenAI, aclient: openai.AsyncOpenAI) -> None:
    fake.reply("As", "ync").reply("plain")
    stream = await aclient.chat.completions.create(
        model=MODEL, messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    pieces: list[str] = []
    usage_seen = False
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
        if chunk.usage is not None:
            usage_seen = True
    assert pieces == ["As", "ync"]
    assert usage_seen
    completion = await aclient.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert completion.choices[0].message.content == "plain"


# --------------------------------------------------------------------------- errors


def test_500_raises_internal_server_error(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.fail(500, message="boom")
    with pytest.raises(openai.InternalServerError) as info:
        client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert info.value.status_code == 500
    assert info.value.message.endswith("boom") or "boom" in str(info.value)
    assert info.value.type == "server_error"


def test_429_with_and_without_retry_after(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.fail(429, retry_after=7).fail(429)
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert info.value.response.headers["retry-after"] == "7"
    assert info.value.code == "rate_limit_exceeded"
    with pytest.raises(openai.RateLimitError) as info2:
        client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
    assert "retry-after" not in info2.value.response.headers


def test_custom_error_body(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.fail(400, body={"error": {"message": "bad", "type": "invalid_request_error", "code": "x"}})
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert info.value.code == "x"


def test_hang_triggers_timeout_then_recovers(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.hang(30)
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model=MODEL, messages=MESSAGES, timeout=0.2)
    fake.reply("after")
    completion = client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert completion.choices[0].message.content == "after"


def test_hang_then_answers(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.hang(0.05, then="late")
    completion = client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert completion.choices[0].message.content == "late"


def test_stop_interrupts_hang_quickly() -> None:
    fake = FakeOpenAI().start()
    fake.hang(60)
    errors: list[BaseException] = []

    def call() -> None:
        with openai.OpenAI(base_url=fake.base_url, api_key="test", max_retries=0, timeout=30) as c:
            try:
                c.chat.completions.create(model=MODEL, messages=MESSAGES)
            except openai.APIError as exc:
                errors.append(exc)

    worker = threading.Thread(target=call)
    worker.start()
    assert fake.wait_for_requests(1, timeout=5)
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 2.0
    worker.join(5)
    assert not worker.is_alive()
    assert errors and isinstance(errors[0], openai.APIConnectionError)


def test_cut_stream_raises_or_ends_early(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.cut_stream_after(2, "a", "b", "c", "d")
    pieces: list[str] = []
    finish_reasons: list[str] = []
    with pytest.raises((openai.APIConnectionError, openai.APIError)):
        stream = client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                pieces.append(chunk.choices[0].delta.content)
            if chunk.choices and chunk.choices[0].finish_reason:
                finish_reasons.append(chunk.choices[0].finish_reason)
    assert pieces == ["a", "b"]
    assert finish_reasons == []
    # The server is still healthy afterwards.
    assert client.chat.completions.create(model=MODEL, messages=MESSAGES).choices[0].message.content


def test_cut_non_stream_raises(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.cut_stream_after(1, "a", "b")
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model=MODEL, messages=MESSAGES)


def test_malformed_json_raises(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.malformed().malformed()
    with pytest.raises((json.JSONDecodeError, openai.APIError)):
        client.chat.completions.create(model=MODEL, messages=MESSAGES)
    with pytest.raises((json.JSONDecodeError, openai.APIError)):
        for _ in client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True):
            pass


# --------------------------------------------------------------------------- tool calls

ARGS = json.dumps({"query": "career history", "limit": 3, "nested": {"a": [1, 2, 3]}})


def test_tool_call_plain_then_follow_up(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.tool_call("search_persona", ARGS, then="Here is what I found.", call_id="call_1")
    completion = client.chat.completions.create(model=MODEL, messages=MESSAGES)
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    assert choice.message.tool_calls is not None
    call = choice.message.tool_calls[0]
    assert call.type == "function"
    assert call.id == "call_1"
    assert call.function.name == "search_persona"
    assert json.loads(call.function.arguments) == json.loads(ARGS)

    follow_up: list[ChatCompletionMessageParam] = [
        *MESSAGES,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.function.name, "arguments": call.function.arguments},
                }
            ],
        },
        {"role": "tool", "tool_call_id": call.id, "content": "result"},
    ]
    second = client.chat.completions.create(model=MODEL, messages=follow_up)
    assert second.choices[0].message.content == "Here is what I found."
    assert fake.requests[1]["messages"] == follow_up


def test_tool_call_streaming_reassembles(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.tool_call("search_persona", ARGS, then=("Done", "."), fragments=4)
    stream = client.chat.completions.create(
        model=MODEL, messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    name = ""
    call_id = ""
    fragments: list[str] = []
    finish: str | None = None
    for chunk in stream:
        if not chunk.choices:
            continue
        choice = chunk.choices[0]
        for tc in choice.delta.tool_calls or []:
            assert tc.index == 0
            if tc.id:
                call_id = tc.id
            if tc.function and tc.function.name:
                name += tc.function.name
            if tc.function and tc.function.arguments:
                fragments.append(tc.function.arguments)
        finish = choice.finish_reason or finish
    assert name == "search_persona"
    assert call_id.startswith("call_")
    assert len(fragments) == 4
    assert json.loads("".join(fragments)) == json.loads(ARGS)
    assert finish == "tool_calls"
    assert _stream_text(client)[0] == ["Done", "."]


async def test_tool_call_stream_helper_async(fake: FakeOpenAI, aclient: openai.AsyncOpenAI) -> None:
    fake.tool_call("lookup", '{"x": 1}')
    async with aclient.chat.completions.stream(model=MODEL, messages=MESSAGES) as stream:
        final = await stream.get_final_completion()
    tool_calls = final.choices[0].message.tool_calls
    assert tool_calls is not None
    assert tool_calls[0].function.name == "lookup"
    assert tool_calls[0].function.arguments == '{"x": 1}'
    assert final.choices[0].finish_reason == "tool_calls"


# --------------------------------------------------------------------------- recording & routes


def test_requests_and_headers_recorded(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    client.chat.completions.create(model=MODEL, messages=MESSAGES, temperature=0.2)
    client.chat.completions.create(model="other", messages=MESSAGES[1:], stream=True).close()
    requests = fake.requests
    assert len(requests) == 2
    assert requests[0]["model"] == MODEL
    assert requests[0]["messages"] == MESSAGES
    assert requests[0]["temperature"] == 0.2
    assert requests[1]["stream"] is True
    assert fake.last_request["model"] == "other"
    assert fake.headers[0]["authorization"] == "Bearer test"
    fake.clear()
    assert fake.requests == []


def test_models_and_404(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["gpt-fake", "gpt-fake-mini"]
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(fake.base_url + "/nope", timeout=5)
    assert info.value.code == 404
    assert "error" in json.loads(info.value.read())
    info.value.close()
    with pytest.raises(openai.NotFoundError):
        client.embeddings.create(model=MODEL, input="x")
