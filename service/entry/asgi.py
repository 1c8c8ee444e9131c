"""ASGI entry point for uvicorn: `uvicorn service.entry.asgi:app`."""

from __future__ import annotations

from service.app import create_app

app = create_app()
