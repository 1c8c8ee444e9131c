"""Estimated cost of model calls from a price table (US dollars per million tokens).

Prices are list prices at the time of writing and only an estimate: the provider's bill is the truth.
Prompt tokens served from the provider's prompt cache are priced at its cached-input rate. A model not
in the table has no estimate (None), never a guess.
"""

from __future__ import annotations

import msgspec

from service.providers.usage import Usage


class Price(msgspec.Struct, frozen=True):
    """Dollars per million tokens: input, input served from the prompt cache, output."""

    input: float
    cached_input: float
    output: float


#: model -> its list price. Bedrock model ids (`anthropic.claude-...`, `openai.gpt-oss-...`) are
#: priced on their own: Bedrock bills them itself.
PRICES: dict[str, Price] = {
    # OpenAI
    "gpt-4o-mini": Price(0.15, 0.075, 0.60),
    "gpt-4o": Price(2.50, 1.25, 10.00),
    "gpt-4.1": Price(2.00, 0.50, 8.00),
    "gpt-4.1-mini": Price(0.40, 0.10, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.025, 0.40),
    "o4-mini": Price(1.10, 0.275, 4.40),
    # Anthropic (cache reads; twin writes no explicit cache breakpoints)
    "claude-3-5-haiku": Price(0.80, 0.08, 4.00),
    "claude-haiku-4-5": Price(1.00, 0.10, 5.00),
    "claude-sonnet-4": Price(3.00, 0.30, 15.00),
    "claude-sonnet-4-5": Price(3.00, 0.30, 15.00),
    # Gemini
    "gemini-2.0-flash": Price(0.10, 0.025, 0.40),
    "gemini-2.5-flash": Price(0.30, 0.075, 2.50),
    "gemini-2.5-flash-lite": Price(0.10, 0.025, 0.40),
    # Bedrock
    "openai.gpt-oss-20b-1:0": Price(0.07, 0.07, 0.30),
    "openai.gpt-oss-120b-1:0": Price(0.15, 0.15, 0.60),
    "anthropic.claude-3-5-haiku-20241022-v1:0": Price(0.80, 0.08, 4.00),
    "amazon.nova-micro-v1:0": Price(0.035, 0.00875, 0.14),
    "amazon.nova-lite-v1:0": Price(0.06, 0.015, 0.24),
    # The embedded offline provider
    "offline-bm25": Price(0.0, 0.0, 0.0),
}


def price_of(model: str) -> Price | None:
    """The price of `model`; dated variants (`gpt-4o-mini-2024-07-18`) use their base name, and
    Bedrock's cross-region profiles (`us.anthropic...`) the model's own."""
    for name in (model, model.partition(".")[2]):
        if name in PRICES:
            return PRICES[name]
        base = max((known for known in PRICES if name.startswith(known + "-")), key=len, default=None)
        if base:
            return PRICES[base]
    return None


def estimate_cost(model: str, usage: Usage) -> float | None:
    """Dollars for `usage` on `model`, or None when the model's price is unknown."""
    price = price_of(model)
    if price is None:
        return None
    cached = min(usage.cached_tokens, usage.prompt_tokens)
    cost = (
        (usage.prompt_tokens - cached) * price.input
        + cached * price.cached_input
        + usage.completion_tokens * price.output
    ) / 1_000_000
    return round(cost, 8)
