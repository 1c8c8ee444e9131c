"""POST /feedback: a visitor rates one of the twin's replies."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from memory import ConversationStore, SessionNotFound
from service.errors import ReplyNotFound
from service.http.admission import Admission
from service.http.contract import FeedbackRequest, FeedbackResponse
from service.http.openapi import error_responses
from service.owner.loop import OwnerLoop


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
        conversations: NamedDependency[ConversationStore],
        owner: NamedDependency[OwnerLoop],
        admission: NamedDependency[Admission],
    ) -> FeedbackResponse:
        admission.admit(request, data.session_id)  # rate-limited and origin-checked like chat
        found = await conversations.load(data.session_id)
        if found is None:
            raise SessionNotFound("session not found")
        replies = sum(1 for m in found.conversation.messages if m.role == "assistant")
        if data.reply > replies:
            raise ReplyNotFound(data.reply, replies)
        await owner.record_feedback(data.session_id, data.reply, data.rating, data.comment.strip())
        return FeedbackResponse(session_id=data.session_id, reply=data.reply, rating=data.rating)
