"""GET and PUT /owner/api/instructions: what the twin should keep in mind, in the owner's words."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from service.http.contract import InstructionsRequest, InstructionsView
from service.http.openapi import error_responses
from service.http.owner_gate import client_ip
from service.owner.instructions import Instructions
from service.owner.room import RoomInstructions


def _view(instructions: Instructions) -> InstructionsView:
    return InstructionsView(text=instructions.text, updated_at=instructions.updated_at)


class OwnerInstructionsController(Controller):
    path = "/api/instructions"
    tags = ["owner"]

    @get("/", summary="The owner's instructions to the twin", responses=error_responses(401, 503))
    async def instructions(self, instructions: NamedDependency[RoomInstructions]) -> InstructionsView:
        return _view(await instructions.get())

    @put(
        "/",
        summary="Replace the instructions (empty text clears them); the twin follows them at once",
        responses=error_responses(400, 401, 403, 503),
    )
    async def replace(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[InstructionsRequest],
        instructions: NamedDependency[RoomInstructions],
    ) -> InstructionsView:
        return _view(await instructions.set(data.text, client_ip(request)))
