"""Starting a Lambda package's streaming entry the way the Lambda Web Adapter starts it.

The adapter's bootstrap (`AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap`) executes `$LAMBDA_TASK_ROOT/$_HANDLER`,
the start script, by its own execute bit and shebang, then waits until the readiness path answers and
forwards each invocation as an HTTP request carrying the invocation's request context in the
`x-amzn-request-context` header. Here `python3` is python3.12 without site-packages (`-S`): the
process sees only the package and the runtime's modules, as on Lambda.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

#: The streaming function's handler (infra sets the same).
HANDLER = "service/entry/lambda_stream.sh"
READINESS_PATH = "/health"
#: What uvicorn logs once it listens: the moment the adapter's readiness check can succeed.
LISTENING = "Uvicorn running on"


def function_url_context(source_ip: str) -> str:
    """The request context of a function URL invocation (payload 2.0), as the adapter forwards it."""
    return json.dumps(
        {
            "accountId": "anonymous",
            "apiId": "abcdefghijklmnopqrstuvwxyz012345",
            "domainName": "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws",
            "http": {
                "method": "POST",
                "path": "/chat/stream",
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": "test",
            },
            "requestId": "request",
            "routeKey": "$default",
            "stage": "$default",
            "timeEpoch": 1795000000000,
        }
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class AdaptedEntry:
    """The start script running under python3.12 on 127.0.0.1, ready when entered; stopped on exit."""

    def __init__(self, task: Path, runtime: Path, python: str, env: Mapping[str, str], work: Path) -> None:
        self.task = task
        self.runtime = runtime
        self.python = python
        self.env = dict(env)
        self.work = work
        self.port = _free_port()
        self.log: list[str] = []
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def headers(self, source_ip: str, **extra: str) -> dict[str, str]:
        """What the adapter sends for a visitor at `source_ip` (plus any headers the visitor sent)."""
        return {"x-amzn-request-context": function_url_context(source_ip), **extra}

    def __enter__(self) -> AdaptedEntry:
        shim = self.work / "bin"
        shim.mkdir(parents=True, exist_ok=True)
        python3 = shim / "python3"
        python3.write_text(f'#!/bin/sh\nexec {self.python} -S "$@"\n', encoding="utf-8")
        python3.chmod(0o755)
        environment = {
            **self.env,
            "PATH": f"{shim}:{self.env.get('PATH', os.defpath)}",  # `python3` is python3.12, as on Lambda
            "LAMBDA_TASK_ROOT": str(self.task),
            "LAMBDA_RUNTIME_DIR": str(self.runtime),
            "_HANDLER": HANDLER,
            "AWS_LWA_PORT": str(self.port),
        }
        self._process = subprocess.Popen(
            [str(self.task / HANDLER)],
            cwd=self.task,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._wait_until_listening()
        ready = httpx.get(self.url + READINESS_PATH, timeout=10)  # the adapter's readiness check
        assert ready.status_code == 200, ready.text
        return self

    def _wait_until_listening(self) -> None:
        process = self._process
        assert process is not None and process.stderr is not None
        for line in process.stderr:
            self.log.append(line)
            if LISTENING in line:
                break
        else:
            process.wait(timeout=30)
            output = "".join(self.log)[-3000:]
            raise RuntimeError(f"the start script exited ({process.returncode}):\n{output}")
        stream = process.stderr
        self._reader = threading.Thread(target=lambda: self.log.extend(stream), daemon=True)
        self._reader.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        process = self._process
        if process is None:
            return
        process.terminate()  # Lambda's shutdown sends SIGTERM too
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        if self._reader is not None:
            self._reader.join(timeout=15)


def sse_events(lines: Iterator[str]) -> Iterator[tuple[str, Any]]:
    """Server-sent events as they arrive: (event, decoded data), one per blank-line-terminated block."""
    name, data = "message", []
    for line in lines:
        if not line:
            if data:
                yield name, json.loads("\n".join(data))
            name, data = "message", []
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
