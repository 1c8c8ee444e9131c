"""Short-term Bedrock API keys minted from AWS credentials, so no third-party key is stored anywhere.

On Lambda the credentials are the function's role, and the key inherits exactly its permissions
(invoking the one model the stack configures). A key is minted locally (a SigV4-presigned token, no
network call) and minted again well before it expires.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import anyio

from service.providers.base import ProviderUnavailable

#: How long a minted key is valid, and when a fresh one replaces it.
KEY_LIFETIME = timedelta(minutes=15)
RENEW_AFTER_SECONDS = 10 * 60


def mint_key(region: str) -> str:
    """A short-term Bedrock API key for `region` from the default AWS credential chain."""
    from aws_bedrock_token_generator import provide_token

    key: str = provide_token(region=region, expiry=KEY_LIFETIME)
    return key


class BedrockKeys:
    """The key for the next request: the current one, or a fresh one once it is due for renewal.

    The official client calls this before every request. A key that cannot be minted (no AWS
    credentials) fails the request as an unavailable model, never as an internal error.
    """

    def __init__(
        self,
        region: str,
        *,
        mint: Callable[[str], str] = mint_key,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._region = region
        self._mint = mint
        self._clock = clock
        self._key = ""
        self._minted_at = 0.0
        self._lock = anyio.Lock()

    async def __call__(self) -> str:
        if self._due():
            async with self._lock:
                if self._due():  # another request may have minted it meanwhile
                    self._key = await self._minted()
                    self._minted_at = self._clock()
        return self._key

    def _due(self) -> bool:
        return not self._key or self._clock() - self._minted_at >= RENEW_AFTER_SECONDS

    async def _minted(self) -> str:
        try:
            return await anyio.to_thread.run_sync(self._mint, self._region)
        except Exception as exc:  # no credentials, an unreadable profile, a failing credential source
            raise ProviderUnavailable(
                "the model service cannot be reached: no AWS credentials to mint a Bedrock key"
            ) from exc
