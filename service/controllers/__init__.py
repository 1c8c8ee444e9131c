"""HTTP controllers: thin handlers that decode, call the engine or store, and encode."""

from __future__ import annotations

from service.controllers.chat import ChatController
from service.controllers.conversation import ConversationController
from service.controllers.feedback import FeedbackController
from service.controllers.meta import MetaController
from service.controllers.persona import PersonaController
from service.controllers.web import WebAssets, WebController

CONTROLLERS = (MetaController, ChatController, ConversationController, PersonaController, FeedbackController)

__all__ = ["CONTROLLERS", "WebAssets", "WebController"]
