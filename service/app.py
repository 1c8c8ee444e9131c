"""The app factory: the only place the service is wired together."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from importlib.metadata import PackageNotFoundError, version

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from memory import ConversationStore, StoreError
from memory.file import FileStore
from memory.records import FileRecordStore, RecordStore
from persona_sources import PersonaError, load_persona
from service.admission import Admission
from service.controllers import CONTROLLERS, WebAssets, WebController
from service.engine import ChatEngine
from service.errors import TwinError, handle_app_error, handle_internal
from service.notify import Notifier
from service.openapi import ContractSchemas
from service.providers import ProviderError, build_provider
from service.security import add_security_headers
from service.settings import Settings, SettingsError, get_settings


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the twin: persona composed once, provider and store created once, routes wired."""
    settings = settings or get_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    engine = build_engine(settings)
    web = WebAssets.find(settings.web_dir)
    return Litestar(
        route_handlers=[*CONTROLLERS, *_web_routes(web, settings)],
        dependencies=_singletons(
            engine=engine, store=engine.store, records=engine.records, web=web, admission=Admission(settings)
        ),
        exception_handlers={
            TwinError: handle_app_error,
            StoreError: handle_app_error,
            ProviderError: handle_app_error,
            PersonaError: handle_app_error,
            500: handle_internal,
        },
        cors_config=_cors(settings),
        openapi_config=_openapi(),
        plugins=[ContractSchemas(settings.max_message_chars)],
        on_shutdown=[_closer(engine)],
        state=State({"engine": engine}),
        before_send=[add_security_headers],
        request_max_body_size=settings.max_body_bytes,
        debug=False,
    )


def build_engine(settings: Settings) -> ChatEngine:
    """The chat engine with its persona, provider and store: what the API, CLI and Lambda share."""
    persona = load_persona(settings.persona_dir)
    records = build_records(settings)
    return ChatEngine(
        settings,
        persona,
        build_provider(settings, persona),
        build_store(settings),
        records=records,
        notifier=Notifier.from_settings(settings, records),
    )


def build_store(settings: Settings) -> ConversationStore:
    """The conversation store the settings choose (the API, the CLI and Lambda share this choice)."""
    if settings.use_s3:
        if not settings.s3_bucket:
            raise SettingsError("USE_S3=true needs S3_BUCKET")
        from memory.s3 import S3Store  # boto3 is only imported when S3 is in use

        return S3Store(settings.s3_bucket, settings.s3_prefix, timeout_seconds=settings.s3_timeout_seconds)
    return FileStore(settings.memory_dir)


def build_records(settings: Settings) -> RecordStore:
    """The records store (owner's loop, budgets) beside the conversations, on the same backend."""
    if settings.use_s3:
        if not settings.s3_bucket:
            raise SettingsError("USE_S3=true needs S3_BUCKET")
        from memory.s3 import S3RecordStore

        return S3RecordStore(
            settings.s3_bucket, settings.s3_records_prefix, timeout_seconds=settings.s3_timeout_seconds
        )
    return FileRecordStore(settings.records_dir)


def _singletons(**values: object) -> dict[str, Provide]:
    """Dependencies that are built once per process and handed to every request."""
    return {name: Provide(_constant(value), sync_to_thread=False) for name, value in values.items()}


def _constant(value: object) -> Callable[[], object]:
    def provide() -> object:
        return value

    return provide


def _web_routes(web: WebAssets | None, settings: Settings) -> list[ControllerRouterHandler]:
    """The chat page's assets, the widget and config.json, when the front end has been built."""
    if web is None:
        logging.getLogger("twin").info(
            "no front end in %s (run `make web`): serving the API only", settings.web_dir
        )
        return []
    logging.getLogger("twin").info("serving the chat page from %s", web.root)
    static = create_static_files_router(path="/static", directories=[web.static], name="web-static")
    return [WebController, static]


def _cors(settings: Settings) -> CORSConfig | None:
    if not settings.cors_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
        allow_headers=["Content-Type"],
        max_age=600,
    )


def _openapi() -> OpenAPIConfig:
    try:
        app_version = version("twin")
    except PackageNotFoundError:
        app_version = "0.0.0"
    return OpenAPIConfig(
        title="twin",
        version=app_version,
        description="An AI digital twin that talks with visitors about its owner's career.",
        path="/schema",
        render_plugins=[SwaggerRenderPlugin()],
    )


def _closer(engine: ChatEngine) -> Callable[[], Awaitable[None]]:
    async def close() -> None:
        await engine.close()

    return close
