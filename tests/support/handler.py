"""A chat message through `service.lambda_handler`, imported afresh as a new container would."""

from __future__ import annotations

import asyncio
import gc
import importlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLE_PERSONA
from tests.support.apigw import API_HOST, http_event


def chat_through_handler(
    monkeypatch: pytest.MonkeyPatch, memory_dir: Path, message: str, **env: str
) -> dict[str, Any]:
    """POST /chat as one invocation of a new container (the example persona, file memory in
    `memory_dir`, `env` on top); returns the handler's response."""
    base = {
        "PERSONA_DIR": str(EXAMPLE_PERSONA), "MEMORY_DIR": str(memory_dir), "OPENAI_API_KEY_PARAMETER": "",
        "TWIN_ALLOWED_HOSTS": API_HOST,
    }  # fmt: skip
    for var, value in (base | env).items():
        monkeypatch.setenv(var, value)
    monkeypatch.delitem(sys.modules, "service.lambda_handler", raising=False)
    lambda_handler = importlib.import_module("service.lambda_handler")
    gc.unfreeze()  # the heap a container keeps goes back to the collector: this process runs the tests
    body = json.dumps({"message": message})
    event = http_event("POST", "/chat", body=body, headers={"content-type": "application/json"})
    response: dict[str, Any] = lambda_handler.handler(event, None)
    app = lambda_handler._serving.asgi.app  # a container is never shut down; the test process closes
    for close in app.on_shutdown:  # the app's clients itself, on the loop they were made in
        asyncio.get_event_loop().run_until_complete(close())
    return response
