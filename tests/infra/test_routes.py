"""The deployed API cannot drift from the app: every endpoint of the route table has an API route."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from litestar import Litestar, get, websocket
from litestar.connection import WebSocket
from litestar.params import FromPath
from litestar.testing import TestClient

from infra.routes import ApiRoute, app_routes, routes_of
from service.app import create_app
from service.settings import Settings
from tests.infra.harness import Deployment
from tests.support.settings import tweak


def route_table(settings: Settings) -> set[tuple[str, str]]:
    """(method, path) of every endpoint the Lambda's app serves, read independently of infra/routes.py.

    The Lambda package carries no front end (the bucket serves it), so the app has no web routes there.
    """
    app = create_app(tweak(settings, TWIN_WEB_DIR=settings.storage.memory_dir / "no-front-end"))
    pairs = set()
    for route in app.routes:
        path = re.sub(r"\{(\w+):[^}]+\}", r"{\1}", route.path)
        pairs |= {(method, path) for method in getattr(route, "methods", ()) if method != "OPTIONS"}
    return pairs


def test_every_app_endpoint_has_an_api_route_and_nothing_else_does(
    deployment: Deployment, settings: Settings
) -> None:
    routes = deployment.of_type("aws:apigatewayv2/route:Route")
    deployed = {tuple(r.inputs["routeKey"].split(" ", 1)) for r in routes}
    expected = route_table(settings)
    assert expected - deployed == set(), "endpoints the API would not route"
    assert deployed - expected == set(), "API routes the app does not serve"


def test_the_public_contract_and_its_documentation_are_routed(settings: Settings) -> None:
    keys = {route.key for route in app_routes()}
    assert {
        "GET /",
        "GET /health",
        "GET /persona",
        "POST /chat",
        "POST /chat/stream",
        "GET /conversation/{session_id}",
        "GET /schema/openapi.json",
    } <= keys
    assert not any(key.startswith(("OPTIONS ", "HEAD ")) for key in keys)


def test_the_mcp_endpoint_is_routed_to_the_lambda_unless_the_stack_turns_it_off(
    deploy_stack: Callable[..., Deployment],
) -> None:
    mcp = {"POST /mcp", "GET /mcp", "DELETE /mcp"}  # GET and DELETE: the endpoint's own 405
    assert mcp <= {route.key for route in app_routes()}
    assert not any(route.path == "/mcp" for route in app_routes(mcp=False))
    for flag, routed in (("true", True), ("false", False)):
        deployment = deploy_stack("dev", mcp=flag)
        keys = {r.inputs["routeKey"] for r in deployment.of_type("aws:apigatewayv2/route:Route")}
        assert (mcp <= keys) is routed and (mcp & keys == set()) is not routed
        env = deployment.one("aws:lambda/function:Function", "-api").inputs["environment"]["variables"]
        assert env["TWIN_MCP"] == flag


def test_a_new_endpoint_gets_a_route_without_touching_infra() -> None:
    @get("/brand-new/{item_id:int}")
    async def brand_new(item_id: FromPath[int]) -> str:
        return str(item_id)

    @get("/files/{rest:path}")
    async def files(rest: FromPath[Path]) -> str:
        return str(rest)

    app = Litestar(route_handlers=[brand_new, files], openapi_config=None)
    assert routes_of(app) == [
        ApiRoute("GET", "/brand-new/{item_id}"),
        ApiRoute("GET", "/files/{rest+}"),
    ]


def test_an_endpoint_the_http_api_cannot_serve_stops_the_deployment() -> None:
    @websocket("/live")
    async def live(socket: WebSocket[object, object, object]) -> None:
        await socket.close()

    with pytest.raises(TypeError, match="/live: only HTTP routes"):
        routes_of(Litestar(route_handlers=[live], openapi_config=None))


def test_route_keys_are_what_api_gateway_expects() -> None:
    assert ApiRoute("GET", "/conversation/{session_id}").key == "GET /conversation/{session_id}"


def test_every_path_of_the_openapi_document_is_routed(settings: Settings) -> None:
    with TestClient(app=create_app(settings)) as client:
        assert client.get("/schema/openapi.json").status_code == 200
    openapi_paths = set(create_app(settings).openapi_schema.paths or {})
    api_paths = {route.path for route in app_routes()}
    assert openapi_paths <= api_paths
