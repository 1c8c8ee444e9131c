"""GET / and GET /health: what this API is, and what it runs with (fixed for the process's life)."""

from __future__ import annotations

from typing import Any, Literal

from litestar import Controller, Request, get
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.response import File

from persona_sources import Persona
from service.http.contract import Health, RootInfo
from service.http.controllers.web import WebAssets, wants_page
from service.providers import Provider


def health_of(persona: Persona, provider: Provider, storage: Literal["local", "s3"]) -> Health:
    """The /health body: the storage, the model and the persona this process serves."""
    return Health(
        storage=storage,
        use_s3=storage == "s3",
        provider=provider.name,
        model=provider.model,
        offline=provider.offline,
        persona=persona.name,
        persona_hash=persona.content_hash[:12],
    )


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
        health: NamedDependency[Health],
        web: NamedDependency[WebAssets | None],
    ) -> RootInfo | File:
        if web is not None and wants_page(request):
            return web.page()
        return RootInfo(storage=health.storage)

    @get("/health", summary="Liveness, with the storage and LLM provider in use")
    async def health(self, health: NamedDependency[Health]) -> Health:
        return health
