"""ASGI entry point for uvicorn: `uvicorn service.entry.asgi:app`."""

from __future__ import annotations

from service.app import create_app
from service.entry.heap import keep_startup_heap

app = create_app()
keep_startup_heap()
