"""Short-term Bedrock API keys minted from AWS credentials, so no third-party key is stored anywhere.

On Lambda the credentials are the function's role, and the key inherits exactly its permissions
(invoking the one model the stack configures). A key is minted locally (a SigV4-presigned token, no
network call) and minted again well before it expires.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from datetime import timedelta

import anyio

from service.providers.base import ProviderUnavailable

KEY_PREFIX = "bedrock-api-key-"
_KEY_HOST = "bedrock.amazonaws.com"
#: How long a minted key is valid, and when a fresh one replaces it.
KEY_LIFETIME = timedelta(minutes=15)
RENEW_AFTER_SECONDS = 10 * 60


def mint_key(region: str) -> str:
    """A short-term Bedrock API key for `region` from the default AWS credential chain.

    The key is what `aws-bedrock-token-generator` makes (a test compares them): a SigV4-presigned
    `CallWithBearerToken` request, base64-encoded behind a fixed prefix. It is made here with the
    runtime's own botocore, so the Lambda zip carries no second copy of it.
    Raises: RuntimeError without credentials.
    """
    from botocore.auth import SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.session import Session

    credentials = Session().get_credentials()
    if credentials is None:
        raise RuntimeError("no AWS credentials found")
    request = AWSRequest(
        method="POST",
        url=f"https://{_KEY_HOST}/",
        headers={"host": _KEY_HOST},
        params={"Action": "CallWithBearerToken"},
    )
    SigV4QueryAuth(credentials, "bedrock", region, expires=int(KEY_LIFETIME.total_seconds())).add_auth(
        request
    )
    presigned = f"{request.url.removeprefix('https://')}&Version=1"
    return KEY_PREFIX + base64.b64encode(presigned.encode()).decode()


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
