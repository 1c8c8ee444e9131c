"""ASGI entry point for uvicorn: `uvicorn service.entry.asgi:app`."""

from __future__ import annotations

from service.app import create_app
from service.entry.heap import keep_startup_heap
from service.entry.serving import hand_over_the_gil_often

app = create_app()
keep_startup_heap()
hand_over_the_gil_often()
