"""`twin serve` in a child process on 127.0.0.1, configured only by the variables a test gives it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

from tests.conftest import REPO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """A running `twin serve`: its base URL and what it has logged so far."""

    url: str
    output: list[str] = field(default_factory=list)


def environment(**env: object) -> dict[str, str]:
    """This process's environment without its own twin, OpenAI and S3 variables, and `env` on top: a
    child process configured only by what a test gives it."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "TWIN_", "USE_S3"))}
    return inherited | {name: str(value) for name, value in env.items()}


def answers(url: str) -> bool:
    """Whether a server answers HTTP at `url` (with any status: a host check may refuse the probe)."""
    try:
        httpx.get(f"{url}/health", timeout=1)
    except httpx.TransportError:
        return False
    return True


@contextmanager
def twin_serve(**env: object) -> Iterator[Served]:
    """The server while it runs; stopped on exit. The environment's own twin, OpenAI and S3 variables
    are left out, so only `env` configures it. Its output is read all along (a full pipe would stall it)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO,
        env=environment(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(url=f"http://127.0.0.1:{port}")

    def read() -> None:
        assert server.stdout is not None
        for line in server.stdout:
            served.output.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while not answers(served.url):  # whatever its log level, it is ready once it answers
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("twin serve did not start:\n" + "".join(served.output[-20:]))
            time.sleep(0.05)
        yield served
    finally:
        server.terminate()
        server.wait(timeout=10)
        reader.join(timeout=10)
