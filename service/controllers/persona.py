"""GET /persona: the public card a front end shows."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from service.contract import PersonaCard
from service.engine import ChatEngine


class PersonaController(Controller):
    path = "/persona"
    tags = ["persona"]

    @get("/", summary="The owner's public persona card")
    async def card(self, engine: NamedDependency[ChatEngine]) -> PersonaCard:
        persona = engine.persona
        return PersonaCard(
            name=persona.name,
            full_name=persona.full_name,
            headline=persona.headline,
            greeting=persona.greeting,
            suggested_questions=list(persona.suggested_questions),
            avatar_url=persona.avatar_url,
            offline=engine.provider.offline,
            max_message_chars=engine.settings.max_message_chars,
        )
