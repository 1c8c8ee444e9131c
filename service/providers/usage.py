"""What a model call cost in tokens, as the provider reported (or estimated) it."""

from __future__ import annotations

import msgspec


class Usage(msgspec.Struct, frozen=True, kw_only=True):
    """Tokens one model call (or, added up, one turn) consumed.

    `cached_tokens` are the prompt tokens the provider served from its prompt cache (a part of
    `prompt_tokens`, billed cheaper). `estimated` says at least one of the calls added up here did
    not report its usage, so twin estimated it from the text sent and received.
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    estimated: bool = False

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            estimated=self.estimated or other.estimated,
        )
