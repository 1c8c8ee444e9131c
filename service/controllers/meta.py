"""GET / and GET /health."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.response import File

from service.contract import Health, RootInfo
from service.controllers.web import WebAssets, wants_page
from service.engine import ChatEngine


class MetaController(Controller):
    path = "/"
    tags = ["meta"]

    @get(
        "/",
        summary="What this API is",
        description="Browsers (Accept: text/html) get the chat page instead, when the front end is built.",
        response_headers=[ResponseHeader(name="Vary", value="Accept")],
        responses={200: ResponseSpec(RootInfo, description="The API's name and storage (JSON clients)")},
    )
    async def root(
        self,
        request: Request[Any, Any, Any],
        engine: NamedDependency[ChatEngine],
        web: NamedDependency[WebAssets | None],
    ) -> RootInfo | File:
        if web is not None and wants_page(request):
            return web.page()
        return RootInfo(storage=engine.store.kind)

    @get("/health", summary="Liveness, with the storage and LLM provider in use")
    async def health(self, engine: NamedDependency[ChatEngine]) -> Health:
        return Health(
            storage=engine.store.kind,
            provider=engine.provider.name,
            model=engine.provider.model,
            offline=engine.provider.offline,
            persona=engine.persona.name,
            persona_hash=engine.persona.content_hash[:12],
        )
