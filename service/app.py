"""The app factory: the only place the service is wired together.

`build_twin` makes every collaborator once per process and hands each one only what it uses;
`create_app` serves them over HTTP, giving each controller its own narrow dependencies. The CLI and
the Lambda handler use the same two functions.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from litestar import Litestar, Router
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from memory import Memory, StoreError, file_memory, s3_memory
from memory.secret import SharedSecret
from persona_sources import Persona, PersonaError, load_persona
from service.chat.answers import AnswersCache
from service.chat.budget import SpendCap
from service.chat.engine import ChatEngine
from service.chat.instructions import InstructionsCache
from service.chat.judge import Judge
from service.chat.quotas import TokenQuotas
from service.chat.turn import TurnServices
from service.errors import TwinError
from service.http.admission import ANY_ORIGIN, Admission, ChatDoor, FeedbackDoor, McpDoor
from service.http.contract import PersonaCard
from service.http.controllers import CONTROLLERS, McpController, WebAssets, WebController
from service.http.controllers.meta import health_of
from service.http.controllers.owner import OWNER_CONTROLLERS, OwnerAssets
from service.http.controllers.persona import card_of
from service.http.hosts import host_check
from service.http.openapi import ContractSchemas
from service.http.owner_gate import (
    ROOM,
    SignInNeeded,
    current_session,
    owner_gate,
    owner_guard,
    redirect_to_sign_in,
)
from service.http.responses import handle_app_error, handle_deep_json, handle_internal
from service.http.security import add_security_headers
from service.mcp.endpoint import McpEndpoint
from service.mcp.twin import McpTwin
from service.owner.access import OwnerAccess
from service.owner.audit import AuditTrail
from service.owner.erasure import Erasure
from service.owner.failures import FailedTurns
from service.owner.inbox import Inbox
from service.owner.instructions import OwnerInstructions
from service.owner.live import LiveOwner
from service.owner.loop import OwnerLoop
from service.owner.notify import Announcer, Notifier
from service.owner.read_marks import ReadMarks
from service.owner.room import RoomConversations, RoomInstructions, RoomQuestions
from service.owner.stats import StatsReader
from service.owner.throttle import NotifyThrottle
from service.owner.tools import OFFLINE_TOOLS, TwinTools
from service.providers import Provider, ProviderError, build_provider
from service.runtime.background import Background
from service.runtime.windows import SlidingWindow
from service.settings import Settings, StorageSettings, get_settings
from service.start_warnings import warn_about_open_doors, warn_if_the_prompt_does_not_fit


@dataclass(frozen=True)
class Twin:
    """What the twin is made of, built once per process; the API, the CLI and Lambda share it."""

    settings: Settings
    persona: Persona
    provider: Provider
    memory: Memory
    owner: OwnerLoop
    notifier: Notifier
    spend_cap: SpendCap
    background: Background
    engine: ChatEngine
    #: How a visitor's contact or question is recorded and announced (chat tool calls, MCP).
    tools: TwinTools
    #: What the owner changes while the twin runs, cached per process (the owner's room refreshes them).
    answers: AnswersCache
    instructions: InstructionsCache
    failures: FailedTurns
    #: The deployment's secret, read once per process: keyed ids, the owner's signed sessions.
    secret: SharedSecret

    async def close(self) -> None:
        """Let background work settle, then release the provider and the store."""
        await self.background.settle()
        await self.provider.close()
        await self.memory.close()


def build_twin(settings: Settings, memory: Memory | None = None) -> Twin:
    """The persona composed once, the provider and memory opened once, the engine given its parts.

    `memory` replaces the store the settings choose (tests run one twin on every backend).
    """
    persona = load_persona(settings.persona_dir)
    provider = build_provider(settings.model, persona, OFFLINE_TOOLS)
    if not provider.offline:
        warn_if_the_prompt_does_not_fit(persona, settings)
    memory = memory or build_memory(settings.storage)
    owner = OwnerLoop(memory.records)
    background = Background(settle_seconds=settings.notify.timeout_seconds * 2)
    notifier = Notifier.from_settings(settings.notify, memory.records)
    throttle = NotifyThrottle(memory.records, settings.notify)
    announcer = Announcer(notifier, background, settings.notify.retry_seconds, throttle)
    limits = settings.limits
    spend_cap = SpendCap(
        memory.records, daily_tokens=limits.daily_token_budget, monthly_tokens=limits.monthly_token_budget
    )
    offline = (
        provider if provider.offline else build_provider(settings.model, persona, OFFLINE_TOOLS, offline=True)
    )
    tools = TwinTools(owner, announcer)
    failures = FailedTurns(memory.records)
    secret = SharedSecret(memory.records)
    refresh = settings.owner.answers_refresh_seconds
    answers = AnswersCache(owner, refresh)
    instructions = InstructionsCache(OwnerInstructions(memory.records), refresh)
    services = TurnServices(
        conversations=memory.conversations,
        tools=tools,
        spend_cap=spend_cap,
        background=background,
        quotas=TokenQuotas(limits),
        fallback=offline if settings.model.fallback_offline and not provider.offline else None,
        judge=Judge(provider, persona) if settings.model.judge and not provider.offline else None,
        failures=failures,
    )
    engine = ChatEngine(
        persona=persona,
        provider=provider,
        offline=offline,
        answers=answers,
        instructions=instructions,
        announcer=announcer,
        services=services,
        limits=limits,
        max_reply_tokens=settings.model.max_reply_tokens,
        secret=secret,
        quotas=services.quotas,
    )
    return Twin(
        settings,
        persona,
        provider,
        memory,
        owner,
        notifier,
        spend_cap,
        background,
        engine,
        tools,
        answers,
        instructions,
        failures,
        secret,
    )


def build_memory(storage: StorageSettings) -> Memory:
    """The store the settings choose, with conversations and records in it (API, CLI and Lambda)."""
    if storage.use_s3:
        assert storage.s3_bucket  # Settings guarantees it
        return s3_memory(
            storage.s3_bucket,
            storage.s3_prefix,
            storage.s3_records_prefix,
            timeout_seconds=storage.s3_timeout_seconds,
        )
    return file_memory(storage.memory_dir)


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the twin and serve it: routes, their dependencies, errors, CORS, limits, OpenAPI."""
    settings = settings or get_settings()
    _log_to_stderr(settings.log_level)
    warn_about_open_doors(settings)
    twin = build_twin(settings)
    web = WebAssets.find(settings.web.web_dir)
    admission = Admission(settings.limits, settings.web.cors_origins)
    card = card_of(
        twin.persona,
        offline=twin.provider.offline,
        max_message_chars=settings.limits.max_message_chars,
        owner_can_step_in=settings.owner.room_open,
    )
    mcp = _mcp(twin, admission, card) if settings.mcp.enabled else None
    reads = ReadMarks(twin.memory.records)
    audit = AuditTrail(twin.memory.records)
    erasure = Erasure(twin.memory.conversations, twin.owner, twin.notifier, twin.failures, reads, audit)
    return Litestar(
        route_handlers=[
            *CONTROLLERS,
            *([McpController] if mcp else []),
            *_web_routes(web, settings),
            *_owner_room(twin, reads, erasure, audit),
        ],
        dependencies=_singletons(
            door=ChatDoor(admission, twin.engine),
            conversations=twin.memory.conversations,
            owner=twin.owner,
            feedback=FeedbackDoor(admission, twin.memory.conversations, twin.owner),
            erasure=erasure,
            health=health_of(twin.persona, twin.provider, settings.storage.kind),
            card=card,
            web=web,
            mcp=McpDoor(admission, mcp) if mcp else None,
        ),
        exception_handlers={
            SignInNeeded: redirect_to_sign_in,
            TwinError: handle_app_error,
            StoreError: handle_app_error,
            ProviderError: handle_app_error,
            PersonaError: handle_app_error,
            RecursionError: handle_deep_json,
            500: handle_internal,
        },
        cors_config=_cors(settings.web.cors_origins),
        middleware=[host_check(settings.web.allowed_hosts)],
        openapi_config=_openapi(),
        plugins=[ContractSchemas(settings.limits.max_message_chars)],
        on_startup=[_cleaner(twin)],
        on_shutdown=[_closer(twin)],
        state=State({"background": twin.background, "memory": twin.memory}),
        before_send=[add_security_headers],
        request_max_body_size=settings.limits.max_body_bytes,
        logging_config=None,
        debug=False,
    )


def _mcp(twin: Twin, admission: Admission, card: PersonaCard) -> McpEndpoint:
    """The MCP endpoint on the twin's own engine, tools and memory, sharing the chat API's limits."""
    settings = twin.settings
    surface = McpTwin(
        persona=twin.persona,
        card=card,
        engine=twin.engine,
        visitors=admission.limits,
        messages=SlidingWindow(settings.mcp.messages_per_hour, 3600),
        tools=twin.tools,
        conversations=twin.memory.conversations,
    )
    return McpEndpoint(
        surface,
        version=_version(),
        max_message_chars=settings.limits.max_message_chars,
        max_body_bytes=settings.limits.max_body_bytes,
    )


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
            "no front end in %s (run `make web`): serving the API only", settings.web.web_dir
        )
        return []
    logging.getLogger("twin").info("serving the chat page from %s", web.root)
    static = create_static_files_router(path="/static", directories=[web.static], name="web-static")
    return [WebController, static]


def _owner_room(
    twin: Twin, reads: ReadMarks, erasure: Erasure, audit: AuditTrail
) -> list[ControllerRouterHandler]:
    """The owner's room under /owner, when a password opens it: its pages and API, the guard that lets
    only a signed-in owner through, and the gate that refuses cross-site state changes."""
    settings = twin.settings
    password = settings.owner.password
    if password is None:
        return []
    records, conversations = twin.memory.records, twin.memory.conversations
    secret = twin.secret
    access = OwnerAccess(
        records, secret, audit, password=password, session_hours=settings.owner.session_hours
    )
    live = LiveOwner(conversations, settings.owner.quiet_seconds)
    stats = StatsReader(
        conversations, twin.owner, cap=twin.spend_cap, failures=twin.failures, model=settings.model.name
    )
    return [
        Router(
            path=ROOM,
            route_handlers=list(OWNER_CONTROLLERS),
            guards=[owner_guard(access)],
            middleware=[owner_gate(secret)],
            dependencies={
                "session": Provide(current_session, sync_to_thread=False),
                **_singletons(
                    access=access,
                    inbox=Inbox(conversations, twin.owner, twin.failures, reads),
                    room_conversations=RoomConversations(live, erasure, audit),
                    questions=RoomQuestions(twin.owner, audit, twin.answers.invalidate),
                    instructions=RoomInstructions(
                        OwnerInstructions(records), audit, twin.instructions.invalidate
                    ),
                    stats=stats,
                    audit=audit,
                    owner_assets=OwnerAssets(settings.web.web_dir / "owner"),
                ),
            },
        )
    ]


def _cors(origins: tuple[str, ...]) -> CORSConfig | None:
    if not origins:
        return None
    return CORSConfig(
        allow_origins=[ANY_ORIGIN] if ANY_ORIGIN in origins else list(origins),
        allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
        # a widget elsewhere watches its conversation for the owner with conditional GETs
        allow_headers=["Content-Type", "Idempotency-Key", "If-None-Match"],
        expose_headers=["Retry-After", "ETag"],
        max_age=600,
    )


def _log_to_stderr(level: str) -> None:
    """The process's one logging set-up: lines on stderr at `TWIN_LOG_LEVEL` (on Lambda, the runtime's
    handler takes them to CloudWatch). Litestar's own set-up is off (`logging_config=None`): it would
    replace the root logger's handler and level with its own (a queue, a thread that formats every line
    again, and INFO whatever the setting)."""
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level.upper())
    _quiet_http_clients()


def _quiet_http_clients() -> None:
    """The HTTP clients log every upstream request at INFO: a line per model call costs a turn's CPU
    and says nothing the turn log does not."""
    for name in ("httpx", "httpx2", "httpcore", "httpcore2"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _version() -> str:
    try:
        return version("twin")
    except PackageNotFoundError:
        return "0.0.0"


def _openapi() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="twin",
        version=_version(),
        description="An AI digital twin that talks with visitors about its owner's career.",
        path="/schema",
        render_plugins=[SwaggerRenderPlugin()],
    )


def _cleaner(twin: Twin) -> Callable[[], Awaitable[None]]:
    """At start-up (`twin serve`; Lambda runs no lifespan and keeps memory on S3): remove the
    temporary files a killed writer left, which hold visitors' words."""

    async def clean() -> None:
        try:
            await twin.memory.store.clean_leftovers()
        except StoreError as exc:
            logging.getLogger("twin").warning("leftover temporary files not removed: %s", exc)

    return clean


def _closer(twin: Twin) -> Callable[[], Awaitable[None]]:
    async def close() -> None:
        await twin.close()

    return close
