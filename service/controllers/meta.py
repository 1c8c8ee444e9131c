"""GET / and GET /health."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from service.contract import Health, RootInfo
from service.engine import ChatEngine


class MetaController(Controller):
    path = "/"
    tags = ["meta"]

    @get("/", summary="What this API is")
    async def root(self, engine: NamedDependency[ChatEngine]) -> RootInfo:
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
