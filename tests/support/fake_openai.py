"""A scriptable, local, OpenAI-compatible HTTP server for tests.

Standard library only. It listens on 127.0.0.1 on an ephemeral port and speaks the
Chat Completions wire format closely enough for the official ``openai`` client::

    with FakeOpenAI() as fake:
        fake.reply("Hello", " there", "!")
        client = openai.OpenAI(base_url=fake.base_url, api_key="test", max_retries=0)
        client.chat.completions.create(model="gpt-fake", messages=[...])

Each POST /v1/chat/completions pops the next queued script; when the queue is empty
the default script (a "Default reply." reply unless changed) answers.

``mode`` reproduces a provider's documented quirks (``MODES``): ``anthropic`` merges every system
message into one at the start (``model_views`` shows what the model saw) and caps temperature at 1;
``gemini`` streams each tool call as one whole object, signs tool calls with
``extra_content.google.thought_signature`` and refuses (400) a follow-up request whose tool call lacks
the signature it issued, and never streams usage; ``bedrock`` refuses (403) requests without a Bedrock
API key as bearer token. ``openai`` and ``ollama`` are the plain wire format.
"""

from __future__ import annotations

import contextlib
import json
import math
import socket
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import NoReturn, cast

JSONObject = dict[str, object]

__all__ = [
    "CutStream",
    "Fail",
    "FakeOpenAI",
    "Hang",
    "Malformed",
    "Reply",
    "Script",
    "ToolCall",
]

DEFAULT_MODEL = "gpt-fake"
MODES: tuple[str, ...] = ("openai", "anthropic", "gemini", "bedrock", "ollama")
BEDROCK_KEY_PREFIX = "bedrock-api-key-"
MODELS: tuple[str, ...] = ("gpt-fake", "gpt-fake-mini")


# --------------------------------------------------------------------------- scripts


@dataclass(frozen=True)
class Reply:
    """Answer with text ``pieces`` (one stream chunk each; joined when not streaming)."""

    pieces: tuple[str, ...] = ("Default reply.",)
    delay: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str = "stop"
    #: Streamed: after the first piece, wait until this is set (or the fake stops) before the rest, so a
    #: test can prove what reached it while the reply was still incomplete.
    hold: threading.Event | None = None


@dataclass(frozen=True)
class Fail:
    """Answer with an HTTP error carrying an OpenAI-style error body."""

    status: int = 500
    body: JSONObject | str | None = None
    retry_after: float | str | None = None
    message: str | None = None
    type: str | None = None
    code: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Hang:
    """Wait ``seconds`` (interruptible by ``stop()``), then answer with ``then`` or the default."""

    seconds: float
    then: Script | None = None


@dataclass(frozen=True)
class CutStream:
    """Stream ``n_pieces`` of ``pieces`` then drop the connection without ``[DONE]``.

    A non-streaming request gets a truncated JSON body and a dropped connection.
    """

    n_pieces: int
    pieces: tuple[str, ...] = ()


@dataclass(frozen=True)
class Malformed:
    """Answer 200 with a body (or an SSE ``data:`` line) that is not valid JSON."""

    text: str = '{"id": "chatcmpl-broken", "choices": [ this is not json'


@dataclass(frozen=True)
class ToolCall:
    """Answer with one function tool call; streamed arguments arrive in ``fragments`` pieces. ``text``
    comes before the call (the reply's content, streamed first)."""

    name: str
    arguments: str = "{}"
    call_id: str | None = None
    fragments: int = 3
    delay: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    text: str = ""


Script = Reply | Fail | Hang | CutStream | Malformed | ToolCall


# --------------------------------------------------------------------------- helpers


def _rough_tokens(text: str) -> int:
    """Very rough token estimate: one token per four characters, at least one."""
    return max(1, math.ceil(len(text) / 4))


def _message_chars(body: Mapping[str, object]) -> str:
    """Concatenate the textual content of the request messages."""
    parts: list[str] = []
    messages = body.get("messages")
    if not isinstance(messages, list):
        return ""
    for message in messages:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    parts.append(cast(str, part["text"]))
    return "".join(parts)


def _split(text: str, n: int) -> list[str]:
    """Split ``text`` into at most ``n`` non-empty consecutive fragments."""
    n = max(1, min(n, len(text)))
    if not text:
        return [""]
    size = math.ceil(len(text) / n)
    return [text[i : i + size] for i in range(0, len(text), size)]


_DEFAULT_ERRORS: dict[int, tuple[str, str, str | None]] = {
    400: ("Bad request.", "invalid_request_error", None),
    401: ("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
    403: ("You are not allowed to do this.", "invalid_request_error", None),
    404: ("The model does not exist.", "invalid_request_error", "model_not_found"),
    429: ("Rate limit reached for requests.", "requests", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request.", "server_error", None),
    503: ("The engine is currently overloaded.", "server_error", None),
}


def _error_body(status: int, message: str | None, type_: str | None, code: str | None) -> JSONObject:
    """Build an OpenAI-style ``{"error": {...}}`` body."""
    d_message, d_type, d_code = _DEFAULT_ERRORS.get(status, ("Fake error.", "api_error", None))
    return {
        "error": {
            "message": message if message is not None else d_message,
            "type": type_ if type_ is not None else d_type,
            "param": None,
            "code": code if code is not None else d_code,
        }
    }


# --------------------------------------------------------------------------- server


class _Server(ThreadingHTTPServer):
    """Threading HTTP server that tracks its handler threads and sockets."""

    daemon_threads = True
    block_on_close = False
    #: Connections the kernel queues before they are accepted (socketserver's default of 5 drops
    #: a burst of new connections, which then wait a second for the client's SYN retry).
    request_queue_size = 128
    fake: FakeOpenAI

    def __init__(self, fake: FakeOpenAI) -> None:
        self.fake = fake
        self.conn_lock = threading.Lock()
        self.connections: set[socket.socket] = set()
        self.handler_threads: set[threading.Thread] = set()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: object
    ) -> None:
        """Start a daemon handler thread and remember it so ``stop()`` can join it."""
        thread = threading.Thread(
            target=self._run, args=(request, client_address), name="fake-openai-handler", daemon=True
        )
        with self.conn_lock:
            self.handler_threads.add(thread)
            if isinstance(request, socket.socket):
                self.connections.add(request)
        thread.start()

    def _run(self, request: socket.socket | tuple[bytes, socket.socket], client_address: object) -> None:
        """Handle one connection, then forget it."""
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self.conn_lock:
                self.handler_threads.discard(threading.current_thread())
                if isinstance(request, socket.socket):
                    self.connections.discard(request)

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet about clients going away (timeouts, aborted streams)."""
        return

    def drop_connections(self) -> None:
        """Shut down every open client socket so blocked handlers wake up."""
        with self.conn_lock:
            conns = list(self.connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def join_handlers(self, timeout: float) -> None:
        """Wait (bounded) for handler threads to finish."""
        deadline = time.monotonic() + timeout
        with self.conn_lock:
            threads = list(self.handler_threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


class _ConnectionDropped(Exception):
    """Raised inside the handler to abort a response mid-way."""


class _Handler(BaseHTTPRequestHandler):
    """Request handler implementing the fake endpoints."""

    protocol_version = "HTTP/1.1"
    server_version = "FakeOpenAI/1.0"
    sys_version = ""
    #: Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and the
    #: client's delayed ACK would hold each response back by tens of milliseconds on a kept-alive
    #: connection, and clients would measure the test server instead of themselves.
    disable_nagle_algorithm = True

    @property
    def fake(self) -> FakeOpenAI:
        """The owning :class:`FakeOpenAI`."""
        return cast(_Server, self.server).fake

    def log_message(self, format: str, *args: object) -> None:
        """Silence the default stderr access log."""
        return

    # ---------------------------------------------------------------- plumbing

    def _send_json(self, status: int, payload: object, headers: Mapping[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self._send_bytes(status, data, "application/json", headers)

    def _send_bytes(
        self, status: int, data: bytes, content_type: str, headers: Mapping[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", f"req_fake_{id(data):x}")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _sse(self, payload: object) -> None:
        self._write_chunk(b"data: " + json.dumps(payload).encode() + b"\n\n")

    def _end_stream(self) -> None:
        self._write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _drop(self) -> NoReturn:
        """Close the connection abruptly (no terminating chunk)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        raise _ConnectionDropped

    def _await(self, released: threading.Event) -> None:
        """Wait until `released` is set, but give up immediately if the fake is stopping."""
        while not released.wait(0.05):
            if self.fake.stop_event.is_set():
                self._drop()

    def _pause(self, seconds: float) -> None:
        """Sleep, but give up immediately if the fake is stopping."""
        if seconds > 0 and self.fake.stop_event.wait(seconds):
            self._drop()

    # ---------------------------------------------------------------- routes

    def do_GET(self) -> None:
        """Serve GET /v1/models; 404 otherwise."""
        path = self.path.split("?", 1)[0].rstrip("/")
        if path == "/v1/models":
            data = [{"id": m, "object": "model", "created": 1700000000, "owned_by": "fake"} for m in MODELS]
            self._send_json(200, {"object": "list", "data": data})
        elif path.startswith("/v1/models/") and path.removeprefix("/v1/models/") in MODELS:
            model = path.removeprefix("/v1/models/")
            self._send_json(200, {"id": model, "object": "model", "created": 1700000000, "owned_by": "fake"})
        else:
            self._not_found()

    def do_POST(self) -> None:
        """Serve POST /v1/chat/completions; 404 otherwise."""
        raw = self._read_body()
        path = self.path.split("?", 1)[0].rstrip("/")
        if path != "/v1/chat/completions":
            self._not_found()
            return
        try:
            decoded: object = json.loads(raw or b"null")
        except ValueError:
            decoded = None
        if not isinstance(decoded, dict):
            self._send_json(400, _error_body(400, "Request body must be a JSON object.", None, None))
            return
        body = cast(JSONObject, decoded)
        headers = {k.lower(): v for k, v in self.headers.items()}
        refusal = self.fake._refusal(body, headers)
        if refusal is not None:
            status, message = refusal
            self.fake._record_refused(body, headers)
            self._send_json(status, _error_body(status, message, None, None))
            return
        script = self.fake._record_and_next(body, headers)
        try:
            self._run_script(script, body)
        except _ConnectionDropped:
            return
        except OSError:
            self.close_connection = True

    def _not_found(self) -> None:
        self._send_json(
            404,
            _error_body(
                404,
                f"Unknown request URL: {self.command} {self.path}.",
                "invalid_request_error",
                "unknown_url",
            ),
        )

    # ---------------------------------------------------------------- scripts

    def _run_script(self, script: Script, body: JSONObject) -> None:
        stream = body.get("stream") is True
        if isinstance(script, Hang):
            self._pause(script.seconds)
            self._run_script(script.then if script.then is not None else self.fake.default, body)
        elif isinstance(script, Fail):
            self._fail(script)
        elif isinstance(script, Malformed):
            if stream:
                self._start_stream()
                self._write_chunk(b"data: " + script.text.encode() + b"\n\n")
                self._end_stream()
            else:
                self._send_bytes(200, script.text.encode(), "application/json")
        elif isinstance(script, CutStream):
            self._cut(script, body, stream)
        elif isinstance(script, ToolCall):
            self._tool_call(script, body, stream)
        else:
            self._reply(script, body, stream)

    def _fail(self, script: Fail) -> None:
        headers = dict(script.headers)
        if script.retry_after is not None:
            headers["Retry-After"] = str(script.retry_after)
        if isinstance(script.body, str):
            self._send_bytes(script.status, script.body.encode(), "application/json", headers)
        else:
            payload = script.body or _error_body(script.status, script.message, script.type, script.code)
            self._send_json(script.status, payload, headers)

    def _usage(self, body: JSONObject, prompt: int | None, completion: int) -> JSONObject:
        if prompt is None:
            prompt = self.fake.prompt_tokens
        if prompt is None:
            prompt = _rough_tokens(_message_chars(body))
        usage: JSONObject = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
        if self.fake.cached_tokens is not None:
            usage["prompt_tokens_details"] = {"cached_tokens": self.fake.cached_tokens, "audio_tokens": 0}
        return usage

    def _envelope(self, body: JSONObject, obj: str) -> JSONObject:
        model = body.get("model")
        return {
            "id": f"chatcmpl-fake{self.fake.request_count}",
            "object": obj,
            "created": int(time.time()),
            "model": model if isinstance(model, str) else DEFAULT_MODEL,
            "system_fingerprint": "fp_fake",
        }

    def _chunk(self, body: JSONObject, delta: JSONObject, finish_reason: str | None = None) -> JSONObject:
        chunk = self._envelope(body, "chat.completion.chunk")
        chunk["choices"] = [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]
        if self._include_usage(body):
            chunk["usage"] = None
        return chunk

    def _include_usage(self, body: JSONObject) -> bool:
        if self.fake.mode == "gemini":  # include_usage is not honoured
            return False
        options = body.get("stream_options")
        return isinstance(options, dict) and options.get("include_usage") is True

    def _finish_stream(self, body: JSONObject, finish_reason: str, usage: JSONObject) -> None:
        self._sse(self._chunk(body, {}, finish_reason))
        if self._include_usage(body):
            last = self._envelope(body, "chat.completion.chunk")
            last["choices"] = []
            last["usage"] = usage
            self._sse(last)
        self._end_stream()

    def _completion(
        self, body: JSONObject, message: JSONObject, finish_reason: str, usage: JSONObject
    ) -> None:
        payload = self._envelope(body, "chat.completion")
        payload["choices"] = [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}
        ]
        payload["usage"] = usage
        self._send_json(200, payload)

    def _reply(self, script: Reply, body: JSONObject, stream: bool) -> None:
        text = "".join(script.pieces)
        completion = script.completion_tokens
        usage = self._usage(
            body, script.prompt_tokens, completion if completion is not None else _rough_tokens(text)
        )
        if not stream:
            self._pause(script.delay)
            message: JSONObject = {"role": "assistant", "content": text, "refusal": None}
            self._completion(body, message, script.finish_reason, usage)
            return
        self._start_stream()
        self._sse(self._chunk(body, {"role": "assistant", "content": "", "refusal": None}))
        for index, piece in enumerate(script.pieces):
            self._pause(script.delay)
            if index == 1 and script.hold is not None:
                self._await(script.hold)
            self._sse(self._chunk(body, {"content": piece}))
        self._finish_stream(body, script.finish_reason, usage)

    def _cut(self, script: CutStream, body: JSONObject, stream: bool) -> None:
        if not stream:
            text = "".join(script.pieces[: script.n_pieces])
            data = json.dumps({"id": "chatcmpl-cut", "choices": [{"message": {"content": text}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data) * 2))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self._drop()
        self._start_stream()
        self._sse(self._chunk(body, {"role": "assistant", "content": "", "refusal": None}))
        for piece in script.pieces[: script.n_pieces]:
            self._sse(self._chunk(body, {"content": piece}))
        self._drop()

    def _tool_call(self, script: ToolCall, body: JSONObject, stream: bool) -> None:
        call_id = script.call_id or f"call_fake{self.fake.request_count}"
        extras = self.fake._sign(call_id)
        completion = script.completion_tokens
        usage = self._usage(
            body,
            script.prompt_tokens,
            completion if completion is not None else _rough_tokens(script.name + script.arguments),
        )
        if not stream:
            self._pause(script.delay)
            message: JSONObject = {
                "role": "assistant",
                "content": script.text or None,
                "refusal": None,
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": script.name, "arguments": script.arguments},
                        **extras,
                    }
                ],
            }
            self._completion(body, message, "tool_calls", usage)
            return
        self._start_stream()
        if script.text:
            self._sse(self._chunk(body, {"role": "assistant", "content": script.text, "refusal": None}))
        if self.fake.mode == "gemini":  # the whole call in one chunk, not argument fragments
            self._pause(script.delay)
            whole: JSONObject = {
                "role": "assistant",
                "tool_calls": [
                    {
                        "index": 0,
                        "id": call_id,
                        "type": "function",
                        "function": {"name": script.name, "arguments": script.arguments},
                        **extras,
                    }
                ],
            }
            self._sse(self._chunk(body, whole))
            self._finish_stream(body, "tool_calls", usage)
            return
        head: JSONObject = {
            "role": "assistant",
            "content": None,
            "refusal": None,
            "tool_calls": [
                {
                    "index": 0,
                    "id": call_id,
                    "type": "function",
                    "function": {"name": script.name, "arguments": ""},
                }
            ],
        }
        self._sse(self._chunk(body, head))
        for fragment in _split(script.arguments, script.fragments):
            self._pause(script.delay)
            self._sse(self._chunk(body, {"tool_calls": [{"index": 0, "function": {"arguments": fragment}}]}))
        self._finish_stream(body, "tool_calls", usage)


# --------------------------------------------------------------------------- facade


class FakeOpenAI:
    """Scriptable OpenAI-compatible server on 127.0.0.1; use as a context manager."""

    def __init__(
        self, *, default: Script | None = None, prompt_tokens: int | None = None, mode: str = "openai"
    ) -> None:
        """Create (not start) the fake; ``prompt_tokens`` fixes usage.prompt_tokens if set; ``mode``
        picks the provider whose quirks it reproduces (``MODES``)."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {', '.join(MODES)}")
        self.default: Script = default if default is not None else Reply()
        self.prompt_tokens: int | None = prompt_tokens
        #: When set, usage reports this many prompt tokens served from the prompt cache.
        self.cached_tokens: int | None = None
        self.mode = mode
        #: Gemini mode: the thought signature issued with each tool call, by call id.
        self.signatures: dict[str, str] = {}
        self._views: list[list[JSONObject]] = []
        #: Requests refused for a quirk (missing signature, no Bedrock key), with the reason's body.
        self.refused: list[JSONObject] = []
        self.stop_event = threading.Event()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._scripts: deque[Script] = deque()
        self._requests: list[JSONObject] = []
        self._headers: list[dict[str, str]] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> FakeOpenAI:
        """Bind an ephemeral port and serve in a daemon thread."""
        if self._server is not None:
            return self
        self.stop_event.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop serving, interrupt hanging handlers, close sockets and join threads."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self.stop_event.set()
        server.shutdown()
        server.drop_connections()
        server.server_close()
        server.join_handlers(timeout)
        if thread is not None:
            thread.join(timeout)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---------------------------------------------------------------- addresses

    @property
    def port(self) -> int:
        """The bound TCP port."""
        if self._server is None:
            raise RuntimeError("FakeOpenAI is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Root URL, e.g. ``http://127.0.0.1:12345``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """OpenAI base URL, e.g. ``http://127.0.0.1:12345/v1``."""
        return f"{self.url}/v1"

    # ---------------------------------------------------------------- recording

    @property
    def requests(self) -> list[JSONObject]:
        """Snapshot of decoded JSON bodies of chat completion requests, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def headers(self) -> list[dict[str, str]]:
        """Snapshot of request headers (lower-cased names), parallel to :attr:`requests`."""
        with self._lock:
            return [dict(h) for h in self._headers]

    @property
    def request_count(self) -> int:
        """Number of chat completion requests received so far."""
        with self._lock:
            return len(self._requests)

    @property
    def last_request(self) -> JSONObject:
        """The most recent chat completion request body."""
        with self._lock:
            if not self._requests:
                raise LookupError("no chat completion request received yet")
            return self._requests[-1]

    def wait_for_requests(self, count: int = 1, timeout: float = 5.0) -> bool:
        """Block until at least ``count`` chat requests arrived; False on timeout."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self._requests) >= count, timeout)

    @property
    def pending(self) -> int:
        """Number of queued scripts not yet consumed."""
        with self._lock:
            return len(self._scripts)

    def clear(self) -> None:
        """Forget recorded requests and queued scripts."""
        with self._lock:
            self._requests.clear()
            self._views.clear()
            self._headers.clear()
            self._scripts.clear()

    @property
    def model_views(self) -> list[list[JSONObject]]:
        """The messages of each request as the model saw them (Anthropic mode: system messages
        merged into one at the start; otherwise as sent)."""
        with self._lock:
            return [list(view) for view in self._views]

    def _refusal(self, body: JSONObject, headers: dict[str, str]) -> tuple[int, str] | None:
        """Why the provider this mode reproduces would refuse the request, or None."""
        if self.mode == "bedrock":
            token = headers.get("authorization", "").removeprefix("Bearer ")
            if not token.startswith(BEDROCK_KEY_PREFIX):
                return 403, "Authentication failed: a Bedrock API key is required."
        if self.mode == "gemini":
            for message in _messages(body):
                for call in message.get("tool_calls") or []:
                    if not isinstance(call, dict):
                        continue
                    expected = self.signatures.get(str(call.get("id")))
                    extra = call.get("extra_content")
                    google = extra.get("google") if isinstance(extra, dict) else None
                    sent = google.get("thought_signature") if isinstance(google, dict) else None
                    if expected is not None and sent != expected:
                        return 400, "Function call is missing a thought_signature in functionCall parts."
        return None

    def _record_refused(self, body: JSONObject, headers: dict[str, str]) -> None:
        with self._lock:
            self.refused.append(body)

    def _sign(self, call_id: str) -> JSONObject:
        """Gemini mode: the extras a tool call carries (its thought signature), remembered."""
        if self.mode != "gemini":
            return {}
        signature = f"sig-{call_id}-{len(self.signatures)}"
        with self._lock:
            self.signatures[call_id] = signature
        return {"extra_content": {"google": {"thought_signature": signature}}}

    def _view(self, body: JSONObject) -> list[JSONObject]:
        messages = _messages(body)
        if self.mode != "anthropic":
            return messages
        system = [m for m in messages if m.get("role") in ("system", "developer")]
        rest = [m for m in messages if m.get("role") not in ("system", "developer")]
        if not system:
            return rest
        merged = "\n\n".join(str(m.get("content") or "") for m in system)
        return [{"role": "system", "content": merged}, *rest]

    def effective_temperature(self, body: JSONObject) -> float | None:
        """The temperature the model used (Anthropic mode caps it at 1)."""
        value = body.get("temperature")
        if not isinstance(value, int | float):
            return None
        return min(float(value), 1.0) if self.mode == "anthropic" else float(value)

    def _record_and_next(self, body: JSONObject, headers: dict[str, str]) -> Script:
        """Record a request and pop the script that answers it."""
        view = self._view(body)
        with self._lock:
            self._requests.append(body)
            self._views.append(view)
            self._headers.append(headers)
            self._arrived.notify_all()
            return self._scripts.popleft() if self._scripts else self.default

    # ---------------------------------------------------------------- scripting

    def push(self, *scripts: Script) -> FakeOpenAI:
        """Queue raw scripts; each request consumes one."""
        with self._lock:
            self._scripts.extend(scripts)
        return self

    def reply(
        self,
        *pieces: str,
        delay: float = 0.0,
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        finish_reason: str = "stop",
        hold: threading.Event | None = None,
    ) -> FakeOpenAI:
        """Queue a text reply made of ``pieces`` (streamed one chunk each; the rest after the first
        waits for ``hold`` when given)."""
        return self.push(
            Reply(
                pieces=pieces or ("",),
                delay=delay,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                finish_reason=finish_reason,
                hold=hold,
            )
        )

    def fail(
        self,
        status: int = 500,
        body: JSONObject | str | None = None,
        retry_after: float | str | None = None,
        *,
        message: str | None = None,
        type: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> FakeOpenAI:
        """Queue an HTTP error; ``body`` overrides the generated OpenAI error JSON."""
        return self.push(
            Fail(
                status=status,
                body=body,
                retry_after=retry_after,
                message=message,
                type=type,
                code=code,
                headers=dict(headers or {}),
            )
        )

    def hang(self, seconds: float, then: Script | str | Sequence[str] | None = None) -> FakeOpenAI:
        """Queue a delay of ``seconds`` before answering with ``then`` (default script if None)."""
        return self.push(Hang(seconds=seconds, then=None if then is None else _as_script(then)))

    def cut_stream_after(self, n_pieces: int, *pieces: str) -> FakeOpenAI:
        """Queue a stream that sends ``n_pieces`` of ``pieces`` then drops the connection."""
        return self.push(CutStream(n_pieces=n_pieces, pieces=pieces))

    def malformed(self, text: str | None = None) -> FakeOpenAI:
        """Queue a 200 answer whose body / SSE data is not valid JSON."""
        return self.push(Malformed() if text is None else Malformed(text=text))

    def tool_call(
        self,
        name: str,
        arguments_json: str = "{}",
        then: Script | str | Sequence[str] | None = None,
        *,
        call_id: str | None = None,
        fragments: int = 3,
        delay: float = 0.0,
        text: str = "",
    ) -> FakeOpenAI:
        """Queue a function tool call (after ``text``, when given); if ``then`` is given, also queue
        the follow-up answer."""
        self.push(
            ToolCall(
                name=name,
                arguments=arguments_json,
                call_id=call_id,
                fragments=fragments,
                delay=delay,
                text=text,
            )
        )
        if then is not None:
            self.push(_as_script(then))
        return self

    def set_default(self, *pieces: str | Script, delay: float = 0.0) -> FakeOpenAI:
        """Set the answer used when the queue is empty: text pieces or a single script."""
        if len(pieces) == 1 and not isinstance(pieces[0], str):
            self.default = pieces[0]
        else:
            self.default = Reply(pieces=tuple(str(p) for p in pieces) or ("",), delay=delay)
        return self


def _messages(body: Mapping[str, object]) -> list[JSONObject]:
    messages = body.get("messages")
    return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []


def _as_script(value: Script | str | Sequence[str]) -> Script:
    """Coerce a string / sequence of strings into a :class:`Reply`."""
    if isinstance(value, str):
        return Reply(pieces=(value,))
    if isinstance(value, Reply | Fail | Hang | CutStream | Malformed | ToolCall):
        return value
    return Reply(pieces=tuple(value))
