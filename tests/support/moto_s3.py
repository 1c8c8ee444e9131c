"""moto's S3 in server mode on 127.0.0.1: a real HTTP endpoint for the S3 store, with fault injection.

Why not `moto.server.ThreadedMotoServer` as it is: its threaded server evaluates `If-Match` /
`If-None-Match` and then stores the object as two steps with no lock between them, so two
conditional PUTs racing on one key can both succeed (we reproduced lost writes with 16 writers).
Real S3 evaluates the condition and the write atomically. This server runs the same moto
application, but applies one request at a time, which gives moto S3's atomicity without faking
anything the store sees: it still talks HTTP to moto and still gets moto's 412s.

Faults are injected in front of moto, so a failing request never reaches (or changes) the bucket,
unless the fault loses the answer: then moto applies the request and the client gets the fault.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

#: Credentials moto accepts; set by the fixtures so boto3 never looks for real ones.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}

StartResponse = Callable[..., Any]


@dataclass
class Fault:
    """Answer matching requests with `status` (or hold them `stall_seconds` first) instead of moto;
    with `after_applying`, moto applies each one first and its answer is lost."""

    status: int = 503
    methods: frozenset[str] | None = None
    remaining: int | None = None
    stall_seconds: float = 0.0
    after_applying: bool = False

    def matches(self, method: str) -> bool:
        return (self.methods is None or method in self.methods) and self.remaining != 0


class _QuietHandler(MotoRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """No access log: tests and the benchmark print their own results."""


class MotoS3Server:
    """moto's S3 on an ephemeral port of 127.0.0.1; `start()` and `stop()` are called by fixtures."""

    def __init__(self) -> None:
        self._app = DomainDispatcherApplication(create_backend_app)
        self._serial = threading.Lock()
        self._faults = threading.Lock()
        self._fault: Fault | None = None
        self._released = threading.Event()
        #: Set when a request starts being held by a stalling fault.
        self.stalled = threading.Event()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        #: HTTP requests that reached this server (faulted ones included), by method.
        self.requests: dict[str, int] = {}

    @property
    def endpoint(self) -> str:
        assert self._server is not None, "start() the server first"
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> MotoS3Server:
        self._server = make_server("127.0.0.1", 0, self, threaded=True, request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto-s3", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening; connections to the endpoint are refused from now on."""
        self.clear_faults()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    def fail(
        self,
        status: int = 503,
        *,
        methods: Iterable[str] | None = None,
        times: int | None = None,
        stall_seconds: float = 0.0,
        after_applying: bool = False,
    ) -> None:
        """Fail the next `times` requests (all when None) whose method is in `methods` (any when None);
        `after_applying`: let moto apply them first, as S3 may before the answer is lost."""
        with self._faults:
            self._released.clear()
            self.stalled.clear()
            self._fault = Fault(
                status=status,
                methods=frozenset(methods) if methods is not None else None,
                remaining=times,
                stall_seconds=stall_seconds,
                after_applying=after_applying,
            )

    def clear_faults(self) -> None:
        with self._faults:
            self._fault = None
            self._released.set()

    def reset_counts(self) -> None:
        with self._faults:
            self.requests = {}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ["REQUEST_METHOD"])
        with self._faults:
            self.requests[method] = self.requests.get(method, 0) + 1
            fault = self._fault if self._fault is not None and self._fault.matches(method) else None
            if fault is not None and fault.remaining is not None:
                fault.remaining -= 1
        if fault is not None and fault.stall_seconds:
            self.stalled.set()
        if fault is not None and fault.stall_seconds and self._released.wait(fault.stall_seconds):
            fault = None  # released by clear_faults(): serve the request normally
        if fault is not None and fault.after_applying:
            with self._serial:
                list(self._app(environ, lambda *_args, **_kwargs: None))
        if fault is not None:
            body = (
                b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code>'
                b"<Message>injected by the test server</Message></Error>"
            )
            start_response(
                f"{fault.status} Injected",
                [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
            )
            return [body]
        with self._serial:
            return list(self._app(environ, start_response))
