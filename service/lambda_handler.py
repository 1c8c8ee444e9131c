"""AWS Lambda entry point (`service.lambda_handler.handler`): the same app through Mangum, and the
stack's daily retention pass (an EventBridge schedule's event, `service.owner.retention`).

The app, persona, provider and store are built once per container at import, not per invocation;
lifespan is off because Mangum would otherwise run it on every invocation. Lambda freezes the
container as soon as the handler returns, so background work the invocation left on the event loop
(owner notifications, their periodic retry, the spend cap's counters) finishes before returning,
within the invocation's remaining time less a margin; invocations that left none do not wait.

With SnapStart (stack config `twin:snapStart`) Lambda runs this import once, when a version is
published, and snapshots the process; environments are then restored from that snapshot, so whatever
it holds is shared by all of them. The imports and the persona's first read stay in the snapshot (they
are most of a cold start); the runtime's after-restore hook, `restore`, re-creates what must be each
environment's own before its first invocation: the random generator's seed, the key (read from SSM
again, so a rotated key needs no new version), and the app around them, whose S3, SNS and OpenAI
clients hold no connection or credentials from the snapshot and whose clocks, rate-limit windows and
caches start at the restore. The before-snapshot hook, `snapshot`, imports the MCP SDK (when MCP is
on), which the app otherwise imports on a container's first MCP request: in the snapshot, it costs
restored environments nothing.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import random
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from mangum import Mangum
from mangum.types import ASGI
from snapshot_restore_py import register_after_restore, register_before_snapshot

from memory import Memory
from service.app import create_app
from service.entry.heap import keep_startup_heap
from service.entry.secrets import with_secrets
from service.owner.retention import prune
from service.runtime.background import Background
from service.settings import Settings

log = logging.getLogger("twin.retention")

#: Seconds of an invocation's remaining time kept free when settling background work.
SETTLE_MARGIN_SECONDS = 1.0


@dataclass(frozen=True)
class Serving:
    """The app as this environment serves it: its background work (to settle), Mangum around it,
    and its memory with the retention period (for the scheduled pass)."""

    background: Background
    asgi: Mangum
    memory: Memory
    retention_days: int


def serve() -> Serving:
    """The app built from the environment's settings and the key from SSM; the heap it was built with
    kept out of the garbage collector's passes."""
    settings = with_secrets(Settings.from_env(env_file=None))
    app = create_app(settings)
    keep_startup_heap()
    return Serving(
        background=app.state.background,
        # Litestar's typed scope is narrower than Mangum's ASGI protocol; at run time they are the same.
        asgi=Mangum(cast(ASGI, app), lifespan="off"),
        memory=app.state.memory,
        retention_days=settings.storage.retention_days,
    )


_serving = serve()


def restore() -> None:
    """SnapStart's after-restore hook: a fresh seed and a freshly built app (see the module's docstring).

    The snapshot's app stays in the kept heap: most of it is freed by reference counts, and what
    cycles it leaves (some 2,500 objects) cost less than a full collection would add to the restore."""
    global _serving
    random.seed()
    _serving = serve()


register_after_restore(restore)


def snapshot() -> None:
    """SnapStart's before-snapshot hook: the MCP SDK's import goes into the snapshot when MCP is on."""
    if Settings.from_env(env_file=None).mcp.enabled:
        importlib.import_module("service.mcp.server")


register_before_snapshot(snapshot)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """One API Gateway (HTTP API, payload 2.0) invocation, or the daily retention pass."""
    serving = _serving
    loop = _event_loop()
    if is_schedule(event):
        response = loop.run_until_complete(retention(serving))
    else:
        response = serving.asgi(event, context)
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    within = remaining() / 1000 - SETTLE_MARGIN_SECONDS if remaining else None
    loop.run_until_complete(serving.background.settle(within))
    return response


def _event_loop() -> asyncio.AbstractEventLoop:
    """The loop Mangum runs the app on (set up as Mangum does when none is set yet, as on a
    container's first invocation when that is the schedule's)."""
    try:
        return asyncio.get_event_loop()
    except RuntimeError:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        return loop


def is_schedule(event: dict[str, Any]) -> bool:
    """Whether `event` is an EventBridge schedule's (API Gateway's events never say so)."""
    return event.get("source") == "aws.events" and event.get("detail-type") == "Scheduled Event"


async def retention(serving: Serving) -> dict[str, Any]:
    """What `twin conversations prune` does, with the deployment's retention period; the counts are
    logged and returned."""
    now = datetime.now(UTC)
    pruned = await prune(serving.memory, now - timedelta(days=serving.retention_days), now)
    log.info(
        "retention (%d days): erased %d conversation(s), %d visitor record(s), %d audit entries",
        serving.retention_days,
        pruned.conversations,
        pruned.records,
        pruned.audit_entries,
    )
    return {"retention_days": serving.retention_days, "erased": asdict(pruned)}
