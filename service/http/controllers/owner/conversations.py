"""GET /owner/api/conversations (the inbox), one conversation, deleting it, and stepping in live."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody, Parameter

from memory.model import utc_now
from service.http.contract import OwnerMessageRequest
from service.http.controllers.conversation import PathSessionId
from service.http.etag import etag_of, not_modified, unchanged
from service.http.openapi import error_responses
from service.http.owner_gate import client_ip
from service.owner.inbox import ConversationDetail, Inbox, InboxPage, Show
from service.owner.room import RoomConversations


class OwnerConversationsController(Controller):
    path = "/api/conversations"
    tags = ["owner"]

    @get(
        "/",
        summary="The inbox: conversations, newest activity first, with their flags",
        responses=error_responses(401, 503),
    )
    async def inbox(
        self,
        inbox: NamedDependency[Inbox],
        q: Annotated[str, Parameter(max_length=200, description="Words in any message, or an email.")] = "",
        show: Annotated[Show, Parameter(description="Only conversations with this flag.")] = "all",
        offset: Annotated[int, Parameter(ge=0)] = 0,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> InboxPage:
        return await inbox.page(query=q, show=show, offset=offset, limit=limit)

    @get(
        "/{session_id:str}",
        summary="One conversation with the events inside it (marks it read)",
        description=(
            "Carries a weak ETag over the conversation's document and whether the owner is in it: a poll "
            "that sends it back as If-None-Match gets 304 while no message arrived (votes and failed "
            "turns recorded meanwhile show on the next full read)."
        ),
        responses={
            304: ResponseSpec(None, description="No message arrived since the ETag sent as If-None-Match."),
            **error_responses(400, 401, 404, 503),
        },
    )
    async def conversation(
        self, request: Request[Any, Any, Any], session_id: PathSessionId, inbox: NamedDependency[Inbox]
    ) -> Response[ConversationDetail]:
        conversation, version = await inbox.load(session_id)
        etag = etag_of(version, str(conversation.owner_present(utc_now())), weak=True)
        if unchanged(request, etag):
            return not_modified(etag)
        detail = await inbox.detail(conversation)
        await inbox.mark_read(detail)
        return Response(detail, headers={"ETag": etag})

    @delete(
        "/{session_id:str}",
        status_code=204,
        summary="Erase a conversation (as its visitor can)",
        responses=error_responses(400, 401, 404, 503),
    )
    async def erase(
        self,
        request: Request[Any, Any, Any],
        session_id: PathSessionId,
        room_conversations: NamedDependency[RoomConversations],
    ) -> None:
        await room_conversations.erase(session_id, client_ip(request))

    @post(
        "/{session_id:str}/join",
        status_code=200,
        summary="Step into the conversation in person: the twin stops answering",
        responses=error_responses(400, 401, 404, 409, 503),
    )
    async def join(
        self,
        request: Request[Any, Any, Any],
        session_id: PathSessionId,
        room_conversations: NamedDependency[RoomConversations],
        inbox: NamedDependency[Inbox],
    ) -> ConversationDetail:
        return await inbox.detail(await room_conversations.join(session_id, client_ip(request)))

    @post(
        "/{session_id:str}/messages",
        status_code=201,
        summary="Say something to the visitor in person (after joining)",
        responses=error_responses(400, 401, 404, 409, 503),
    )
    async def say(
        self,
        session_id: PathSessionId,
        data: JSONBody[OwnerMessageRequest],
        room_conversations: NamedDependency[RoomConversations],
        inbox: NamedDependency[Inbox],
    ) -> ConversationDetail:
        return await inbox.detail(await room_conversations.say(session_id, data.content))

    @post(
        "/{session_id:str}/leave",
        status_code=200,
        summary="Hand the conversation back to the twin",
        responses=error_responses(400, 401, 404, 409, 503),
    )
    async def leave(
        self,
        request: Request[Any, Any, Any],
        session_id: PathSessionId,
        room_conversations: NamedDependency[RoomConversations],
        inbox: NamedDependency[Inbox],
    ) -> ConversationDetail:
        return await inbox.detail(await room_conversations.leave(session_id, client_ip(request)))
