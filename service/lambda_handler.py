"""AWS Lambda entry point (`service.lambda_handler.handler`): the same app through Mangum.

The app, persona, provider and store are built once per container at import, not per invocation;
lifespan is off because Mangum would otherwise run it on every invocation.
"""

from __future__ import annotations

from typing import cast

from mangum import Mangum
from mangum.types import ASGI

from service.app import create_app
from service.secrets import with_openai_key
from service.settings import Settings

# Litestar's typed scope is narrower than Mangum's ASGI protocol; at run time they are the same.
handler = Mangum(cast(ASGI, create_app(with_openai_key(Settings.from_env(env_file=None)))), lifespan="off")
