"""The owner's room: its pages and its JSON API under /owner, behind the gate in
`service.http.owner_gate` (the router `create_app` builds gives every one of them the guard)."""

from __future__ import annotations

from service.http.controllers.owner.conversations import OwnerConversationsController
from service.http.controllers.owner.instructions import OwnerInstructionsController
from service.http.controllers.owner.pages import OwnerAssets, OwnerPagesController
from service.http.controllers.owner.questions import OwnerQuestionsController
from service.http.controllers.owner.records import OwnerRecordsController

OWNER_CONTROLLERS = (
    OwnerPagesController,
    OwnerConversationsController,
    OwnerQuestionsController,
    OwnerInstructionsController,
    OwnerRecordsController,
)

__all__ = ["OWNER_CONTROLLERS", "OwnerAssets"]
