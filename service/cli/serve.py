"""`twin serve`: the web UI and API on a local port."""

from __future__ import annotations

import argparse
from typing import Any

from service.settings import Settings


def add_commands(subparsers: Any) -> None:
    serve = subparsers.add_parser("serve", help="run the web UI and API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--reload", action="store_true", help="restart when the code changes")
    serve.set_defaults(run=_serve)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    Settings.from_env()  # fail fast, with a clear message, on bad configuration
    uvicorn.run("service.asgi:app", host=args.host, port=args.port, reload=args.reload, proxy_headers=False)
    return 0
