"""The environment of twin served on this machine for a benchmark: the OpenAI provider on a local
upstream, file memory, the example persona, and every limit that one address would trip turned off."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
#: A spend cap that counts every turn but is never reached.
NEVER_REACHED = 10**12


def twin_env(upstream_url: str, home: Path, model: str) -> dict[str, str]:
    """This process's environment without twin's, OpenAI's or AWS's variables, plus twin's settings."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TWIN_", "OPENAI_", "AWS_"))}
    return base | {
        "PYTHONPATH": str(ROOT),
        "TWIN_PROVIDER": "openai",
        "OPENAI_BASE_URL": upstream_url,
        "OPENAI_API_KEY": "sk-bench-not-a-real-key",
        "TWIN_MODEL": model,
        "TWIN_RATE_LIMIT_PER_MINUTE": "0",
        "TWIN_SESSION_RATE_LIMIT_PER_MINUTE": "0",
        "TWIN_NEW_SESSIONS_PER_HOUR": "0",
        # Every visitor comes from 127.0.0.1: the per-address and per-conversation token quotas are off.
        "TWIN_TOKENS_PER_IP_PER_MINUTE": "0",
        "TWIN_TOKENS_PER_IP_PER_DAY": "0",
        "TWIN_TOKENS_PER_SESSION_PER_DAY": "0",
        "TWIN_DAILY_TOKEN_BUDGET": str(NEVER_REACHED),
        "TWIN_MONTHLY_TOKEN_BUDGET": str(NEVER_REACHED),
        "PERSONA_DIR": str(ROOT / "persona"),
        "TWIN_WEB_DIR": str(home / "no-web"),
        "USE_S3": "false",
    }


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_healthy(process: subprocess.Popen[bytes], url: str, log: Path, name: str) -> None:
    """Return once `url`/health answers 200; RuntimeError with the log's end if the server exits or
    has not answered within a minute."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not start: {log.read_text()[-2000:]}")
