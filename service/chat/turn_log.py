"""The per-turn log line: one JSON object per turn (CloudWatch Logs Insights can query its fields)."""

from __future__ import annotations

import logging

import msgspec

turns_log = logging.getLogger("twin.turns")


class TurnLog(msgspec.Struct, frozen=True, kw_only=True):
    """The per-turn log line. Never add message text, emails or raw session ids here."""

    event: str = "turn"
    session: str
    new_session: bool
    provider: str
    model: str
    tokens_in: int
    tokens_out: int
    cost_usd: float | None
    latency_ms: float
    ttft_ms: float | None
    outcome: str
    error: str | None = None
    tools: tuple[str, ...] = ()
    #: Prompt tokens the provider served from its prompt cache (part of tokens_in).
    tokens_cached: int = 0
    #: The provider reported no usage: tokens_in and tokens_out are twin's estimates.
    tokens_estimated: bool = False
    #: Whether the spend cap was charged for this turn, and with how many tokens: a stored turn's
    #: usage, or, for a turn that failed or was left after the model had started, what the cap counts.
    charged: bool = False
    charged_tokens: int = 0


encode_turn_log = msgspec.json.Encoder().encode
