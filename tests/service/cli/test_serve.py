"""`twin serve` runs the real server on 127.0.0.1 with the embedded defaults, and does not let slow,
silent or foreign-named clients hold it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.cli import main
from service.entry import serving
from tests.conftest import EXAMPLE_PERSONA, REPO
from tests.support.serve import free_port, twin_serve

#: Seconds a test waits for the server to close a connection before calling it kept open.
PATIENCE = 8.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """`twin serve` on 127.0.0.1 with a short request deadline and a small concurrency limit."""
    with twin_serve(
        PERSONA_DIR=EXAMPLE_PERSONA,
        MEMORY_DIR=tmp_path_factory.mktemp("serve") / "conversations",
        TWIN_SERVE_REQUEST_TIMEOUT_SECONDS=2,
        TWIN_SERVE_KEEP_ALIVE_SECONDS=1,
        TWIN_SERVE_MAX_CONCURRENCY=4,
    ) as served:
        yield int(served.url.rsplit(":", 1)[1])


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE)
    sock.settimeout(PATIENCE)
    return sock


def closed_within(sock: socket.socket) -> float:
    """Seconds until the server closed `sock` (raises TimeoutError if it kept it open)."""
    started = time.monotonic()
    with sock:
        while sock.recv(4096):
            pass
    return time.monotonic() - started


def test_serve_answers_over_http_until_stopped(server: int) -> None:
    base = f"http://127.0.0.1:{server}"
    assert httpx.get(f"{base}/health", timeout=10).json()["provider"] == "offline"
    reply = httpx.post(f"{base}/chat", json={"message": "What languages do you speak?"}, timeout=10)
    assert reply.status_code == 200 and reply.json()["response"]


@pytest.mark.parametrize(
    "sent",
    [
        b"",  # connects and says nothing
        b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",  # headers a byte at a time, never ending
        b"POST /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"message": ',  # a body that never arrives whole
    ],
    ids=["silent", "slow headers", "slow body"],
)
def test_a_request_that_never_arrives_whole_is_disconnected(server: int, sent: bytes) -> None:
    sock = connect(server)
    sock.sendall(sent)
    assert closed_within(sock) < PATIENCE - 1


def test_a_head_over_the_bound_is_answered_431(server: int) -> None:
    """Whole in one piece, or arriving without end: either way the server stops reading it."""
    big = b"X-Big: " + b"a" * serving.MAX_HEADER_BYTES + b"\r\n"
    for sent in (
        b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + big + b"\r\n",
        b"GET /health HTTP/1.1\r\n" + big,
    ):
        sock = connect(server)
        sock.sendall(sent)
        assert sock.recv(4096).startswith(b"HTTP/1.1 431")
        assert closed_within(sock) < 1


def test_a_body_that_arrives_with_its_head_is_not_counted_as_head(server: int) -> None:
    body = json.dumps({"message": "What languages do you speak?"}).encode() + b" " * 40_000
    head = b"POST /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
    sock = connect(server)
    sock.sendall(head + body)  # one piece: what the server reads first holds all of the body too
    with sock:
        answer = b"".join(iter(lambda: sock.recv(65536), b""))
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]


def test_pipelined_requests_are_answered_in_order(server: int) -> None:
    sock = connect(server)
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * 2)
    answers = b""
    while answers.count(b"HTTP/1.1 200") < 2:
        answers += sock.recv(4096)
    assert closed_within(sock) < PATIENCE - 1  # then idle, and closed as such


SLOW_APP = """
import asyncio, sys, uvicorn
from service.entry.serving import RequestDeadlineProtocol

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await asyncio.sleep(float(sys.argv[2]))  # a reply that takes longer than the request deadline
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), http=RequestDeadlineProtocol, lifespan="off")
"""


def test_a_reply_slower_than_the_request_deadline_is_not_cut_off() -> None:
    """The deadline is for the request to arrive; answering it may take as long as the model does."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWIN_")}
    env["TWIN_SERVE_REQUEST_TIMEOUT_SECONDS"] = "0.5"
    command = [sys.executable, "-c", SLOW_APP, str(port), "1.5"]
    process = subprocess.Popen(command, cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if "Uvicorn running" in line:
                break
        sock = connect(port)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        sock.close()
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_an_idle_keep_alive_connection_is_closed(server: int) -> None:
    sock = connect(server)
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert sock.recv(4096).startswith(b"HTTP/1.1 200")
    assert closed_within(sock) < PATIENCE - 1


def test_connections_beyond_the_limit_are_answered_503(server: int) -> None:
    held = [connect(server) for _ in range(4)]
    try:
        sock = connect(server)
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 503")
        sock.close()
    finally:
        for sock in held:
            sock.close()


def test_a_dns_rebinding_request_is_refused_by_the_real_server(server: int) -> None:
    answer = httpx.get(f"http://127.0.0.1:{server}/health", headers={"Host": f"evil.example:{server}"})
    assert answer.status_code == 400 and answer.json()["extra"] == {"error": "host_not_allowed"}
    assert httpx.get(f"http://localhost:{server}/health").status_code == 200


def test_listening_beyond_loopback_with_local_names_only_warns(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    started: list[tuple[str, int]] = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TWIN_ALLOWED_HOSTS", raising=False)
    monkeypatch.setattr(serving, "serve", lambda settings, host, port, reload: started.append((host, port)))
    assert main(["serve", "--host", "0.0.0.0", "--port", "8080"]) == 0
    assert "set TWIN_ALLOWED_HOSTS to the names visitors use" in capsys.readouterr().err
    monkeypatch.setenv("TWIN_ALLOWED_HOSTS", "twin.example.com")
    assert main(["serve", "--host", "0.0.0.0", "--port", "8080"]) == 0
    assert capsys.readouterr().err == ""
    assert started == [("0.0.0.0", 8080)] * 2
