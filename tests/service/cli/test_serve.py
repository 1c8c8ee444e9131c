"""`twin serve` runs the real server on 127.0.0.1 with the embedded defaults."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import EXAMPLE_PERSONA, REPO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_over_http_until_stopped(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "TWIN_", "USE_S3"))}
    env |= {"PERSONA_DIR": str(EXAMPLE_PERSONA), "MEMORY_DIR": str(tmp_path / "conversations")}
    server = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        for line in server.stdout:  # uvicorn says when it is ready; no sleeping
            if "Uvicorn running" in line or "Application startup complete" in line:
                break
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/health", timeout=10).json()["provider"] == "offline"
        reply = httpx.post(f"{base}/chat", json={"message": "What languages do you speak?"}, timeout=10)
        assert reply.status_code == 200 and reply.json()["response"]
    finally:
        server.terminate()
        server.wait(timeout=10)
