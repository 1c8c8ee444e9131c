"""POST /feedback: a visitor rates one of the twin's replies."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from service.http.admission import FeedbackDoor
from service.http.contract import FeedbackRequest, FeedbackResponse
from service.http.openapi import error_responses


class FeedbackController(Controller):
    path = "/feedback"
    tags = ["feedback"]

    @post(
        "/",
        status_code=201,
        summary="Rate one of the twin's replies",
        description=(
            "`reply` counts the twin's replies in the session from 1. 201 when recorded; 400 for a "
            "malformed body; 404 if the session or that reply does not exist."
        ),
        responses=error_responses(400, 403, 404, 409, 413, 429, 503),
    )
    async def feedback(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[FeedbackRequest],
        feedback: NamedDependency[FeedbackDoor],
    ) -> FeedbackResponse:
        await feedback.rate(request, data)  # rate-limited and origin-checked like chat
        return FeedbackResponse(session_id=data.session_id, reply=data.reply, rating=data.rating)
