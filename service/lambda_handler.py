"""AWS Lambda entry point (`service.lambda_handler.handler`): the same app through Mangum.

The app, persona, provider and store are built once per container at import, not per invocation;
lifespan is off because Mangum would otherwise run it on every invocation. Lambda freezes the
container as soon as the handler returns, so background work the invocation left on the event loop
(owner notifications, their periodic retry, a cut-short turn's charge) finishes before returning,
within the invocation's remaining time less a margin; invocations that left none do not wait.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from mangum import Mangum
from mangum.types import ASGI

from service.app import create_app
from service.background import Background
from service.secrets import with_openai_key
from service.settings import Settings

_app = create_app(with_openai_key(Settings.from_env(env_file=None)))
_background: Background = _app.state.background
# Litestar's typed scope is narrower than Mangum's ASGI protocol; at run time they are the same.
_asgi = Mangum(cast(ASGI, _app), lifespan="off")


#: Seconds of an invocation's remaining time kept free when settling background work.
SETTLE_MARGIN_SECONDS = 1.0


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """One API Gateway (HTTP API, payload 2.0) invocation."""
    response: dict[str, Any] = _asgi(event, context)
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    within = remaining() / 1000 - SETTLE_MARGIN_SECONDS if remaining else None
    asyncio.get_event_loop().run_until_complete(_background.settle(within))  # the loop Mangum ran it on
    return response
