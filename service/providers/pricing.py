"""Estimated cost of model calls from a price table (US dollars per million tokens).

Prices are list prices at the time of writing and only an estimate: the provider's bill is the truth.
A model not in the table has no estimate (None), never a guess.
"""

from __future__ import annotations

from service.providers.usage import Usage

#: model -> (input, output) dollars per million tokens.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "o4-mini": (1.10, 4.40),
    "offline-bm25": (0.0, 0.0),
}


def price_of(model: str) -> tuple[float, float] | None:
    """The (input, output) price of `model`; dated variants (`gpt-4o-mini-2024-07-18`) use their base."""
    if model in PRICES:
        return PRICES[model]
    base = max((name for name in PRICES if model.startswith(name + "-")), key=len, default=None)
    return PRICES[base] if base else None


def estimate_cost(model: str, usage: Usage) -> float | None:
    """Dollars for `usage` on `model`, or None when the model's price is unknown."""
    price = price_of(model)
    if price is None:
        return None
    cost = (usage.prompt_tokens * price[0] + usage.completion_tokens * price[1]) / 1_000_000
    return round(cost, 8)
