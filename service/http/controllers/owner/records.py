"""What the owner reads in the room besides conversations: leads (and their CSV), feedback, stats, the
audit trail, and their own session."""

from __future__ import annotations

import io
from typing import Annotated

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import Parameter

from memory.model import utc_now
from service.http.contract import AuditView, LeadsView, SessionView, VotesView
from service.http.openapi import error_responses
from service.owner.access import OwnerSession
from service.owner.audit import AuditTrail
from service.owner.inbox import Inbox
from service.owner.leads import write_leads
from service.owner.loop import OwnerLoop
from service.owner.stats import Stats, StatsReader


class OwnerRecordsController(Controller):
    path = "/api"
    tags = ["owner"]

    @get("/session", summary="The owner's session (401 without one)", responses=error_responses(401))
    async def session(self, session: NamedDependency[OwnerSession]) -> SessionView:
        return SessionView(expires_at=session.expires_at)

    @get("/leads", summary="Visitors who left an email, newest first", responses=error_responses(401, 503))
    async def leads(self, owner: NamedDependency[OwnerLoop]) -> LeadsView:
        return LeadsView(leads=await owner.contacts())

    @get(
        "/leads.csv",
        summary="The leads as CSV (cells that would start a formula are quoted), as `twin leads export`",
        responses=error_responses(401, 503),
    )
    async def leads_csv(self, owner: NamedDependency[OwnerLoop]) -> Response[str]:
        out = io.StringIO()
        write_leads(await owner.contacts(), out, "csv")
        name = f"twin-leads-{utc_now():%Y-%m-%d}.csv"
        return Response(
            out.getvalue(),
            media_type="text/csv",  # Litestar adds "; charset=utf-8"
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @get(
        "/feedback",
        summary="Visitors' votes, newest first, with the replies they rate",
        responses=error_responses(401, 503),
    )
    async def feedback(self, inbox: NamedDependency[Inbox]) -> VotesView:
        return VotesView(votes=await inbox.votes())

    @get(
        "/stats",
        summary="Per day and in total: turns, tokens, cost, offline and failed turns, votes, leads",
        responses=error_responses(400, 401, 503),
    )
    async def stats(
        self,
        stats: NamedDependency[StatsReader],
        days: Annotated[int, Parameter(ge=1, le=366, description="Days up to today (UTC).")] = 7,
    ) -> Stats:
        return await stats.compute(days)

    @get("/audit", summary="The owner's actions, newest first", responses=error_responses(401, 503))
    async def audit(self, audit: NamedDependency[AuditTrail]) -> AuditView:
        return AuditView(entries=await audit.recent())
