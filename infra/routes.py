"""The API's routes, read from the Litestar app's route table so the deployed API cannot drift from it."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from litestar import Litestar
from litestar.routes import HTTPRoute

from service.app import create_app
from service.settings import McpSettings, ModelSettings, OwnerSettings, Settings, StorageSettings, WebSettings

#: The example persona shipped with the repository: enough to build the app and read its routes.
EXAMPLE_PERSONA = Path(__file__).resolve().parent.parent / "persona"

#: Opens the owner's room in the app built to read the routes (only the routes are read; this is
#: nobody's password).
ROUTES_ONLY_PASSWORD = "routes-only-not-a-password"  # noqa: S105 - opens nothing anywhere

#: Answered by API Gateway itself: OPTIONS by its CORS configuration; HEAD is not routed.
GATEWAY_METHODS = frozenset({"OPTIONS", "HEAD"})


@dataclass(frozen=True, order=True)
class ApiRoute:
    """One API Gateway route: `GET /conversation/{session_id}`."""

    method: str
    path: str

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def app_routes(*, mcp: bool = True, owner_room: bool = False) -> list[ApiRoute]:
    """Every endpoint the twin serves, including the OpenAPI documentation under /schema, /mcp when the
    stack has MCP on (TWIN_MCP), and with `owner_room` the owner's room under /owner (a stack with the
    `ownerPassword` secret opens it).

    The app is built offline on the example persona: routes do not depend on the persona or the provider.
    It is built as the Lambda runs it, without a front end (the front-end bucket serves the page).
    """
    with tempfile.TemporaryDirectory() as memory:
        settings = Settings(
            persona_dir=EXAMPLE_PERSONA,
            log_level="WARNING",
            model=ModelSettings(provider="offline"),
            storage=StorageSettings(memory_dir=Path(memory)),
            web=WebSettings(web_dir=Path(memory) / "no-front-end"),
            mcp=McpSettings(enabled=mcp),
            owner=OwnerSettings(password=ROUTES_ONLY_PASSWORD if owner_room else None),
        )
        return routes_of(create_app(settings))


def routes_of(app: Litestar) -> list[ApiRoute]:
    """The app's (method, path) pairs in API Gateway's path syntax, sorted."""
    routes = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            raise TypeError(f"{route.path}: only HTTP routes can be deployed behind the HTTP API")
        for method in route.methods - GATEWAY_METHODS:
            routes.add(ApiRoute(method=method, path=gateway_path(route)))
    return sorted(routes)


def gateway_path(route: HTTPRoute) -> str:
    """`/conversation/{session_id:str}` -> `/conversation/{session_id}`; `{p:path}` -> greedy `{p+}`."""
    path = route.path_format
    for name, parameter in route.path_parameters.items():
        if parameter.type is Path:
            path = path.replace(f"{{{name}}}", f"{{{name}+}}")
    return path
