"""The visitor's side: the chat page, the widget and their runtime config, from the built `web/dist`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Controller, MediaType, Request, get
from litestar.di import NamedDependency
from litestar.response import File

from service.http.contract import WebConfig

#: The files a usable build has; `make web` writes them.
REQUIRED = ("index.html", "widget.js", "static/app.js")

#: The page served by the app talks to its own origin only; styles are injected by the bundle.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'"
)


@dataclass(frozen=True)
class WebAssets:
    """A built front end: `index.html`, `widget.js` and `static/` in one directory."""

    root: Path

    @classmethod
    def find(cls, directory: Path) -> WebAssets | None:
        """The build in `directory`, or None when it has not been built (the app then serves the API only)."""
        root = directory.resolve()
        if all((root / name).is_file() for name in REQUIRED):
            return cls(root)
        return None

    @property
    def static(self) -> Path:
        return self.root / "static"

    def page(self) -> File:
        return File(
            self.root / "index.html",
            media_type=MediaType.HTML,
            content_disposition_type="inline",
            headers={
                "Cache-Control": "no-cache",
                "Vary": "Accept",
                "Content-Security-Policy": PAGE_CSP,
                "X-Content-Type-Options": "nosniff",
            },
        )


def wants_page(request: Request[Any, Any, Any]) -> bool:
    """True for browsers: their Accept names text/html. API clients (none, */*, JSON) get JSON."""
    accept = request.headers.get("accept", "")
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if media.lower() == "text/html":
            return not any(_refused(param) for param in params)
    return False


def _refused(param: str) -> bool:
    name, _, value = param.partition("=")
    try:
        return name.strip().lower() == "q" and float(value) == 0
    except ValueError:
        return False


class WebController(Controller):
    """GET /widget.js and GET /config.json; the page itself is GET / (see MetaController)."""

    path = "/"
    tags = ["web"]
    include_in_schema = False

    @get("/widget.js", summary="The embeddable widget")
    async def widget(self, web: NamedDependency[WebAssets]) -> File:
        return File(
            web.root / "widget.js",
            media_type="text/javascript",
            content_disposition_type="inline",
            headers={"Cache-Control": "public, max-age=300"},
        )

    @get("/config.json", summary="The front end's runtime config", cache_control=None)
    async def config(self) -> WebConfig:
        """The app serves its own front end, so the API is on the same origin, and streams itself."""
        return WebConfig(api_url="")
