"""`twin serve`: the web UI and API on a local port, with the timeouts and limits of `entry.serving`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from service.settings import Settings, WebSettings

DEFAULT_HOSTS = WebSettings().allowed_hosts


def add_commands(subparsers: Any) -> None:
    serve = subparsers.add_parser("serve", help="run the web UI and API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--reload", action="store_true", help="restart when the code changes")
    serve.set_defaults(run=_serve)


def _serve(args: argparse.Namespace) -> int:
    from service.entry.serving import serve

    settings = Settings.from_env()  # fail fast, with a clear message, on bad configuration
    if args.host not in ("127.0.0.1", "localhost", "::1") and settings.web.allowed_hosts == DEFAULT_HOSTS:
        print(
            f"twin serve: listening on {args.host}, but only local host names are served; set "
            "TWIN_ALLOWED_HOSTS to the names visitors use (requests for others get a 400)",
            file=sys.stderr,
        )
    serve(settings, args.host, args.port, reload=args.reload)
    return 0
