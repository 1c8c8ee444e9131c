"""HTTP controllers: thin handlers that decode, call the one collaborator they need, and encode.

Each declares its dependencies by name; `create_app` provides them (never the whole app).
"""

from __future__ import annotations

from service.http.controllers.chat import ChatController
from service.http.controllers.conversation import ConversationController
from service.http.controllers.feedback import FeedbackController
from service.http.controllers.mcp import McpController
from service.http.controllers.meta import MetaController
from service.http.controllers.persona import PersonaController
from service.http.controllers.web import WebAssets, WebController

CONTROLLERS = (MetaController, ChatController, ConversationController, PersonaController, FeedbackController)

__all__ = ["CONTROLLERS", "McpController", "WebAssets", "WebController"]
