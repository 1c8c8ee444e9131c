"""The environment of twin served on this machine for a benchmark: the OpenAI provider on a local
upstream, file memory, the example persona, and every limit that one address would trip turned off."""

from __future__ import annotations

import os
from pathlib import Path

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
