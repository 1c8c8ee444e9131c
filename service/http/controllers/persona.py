"""GET /persona: the public card a front end shows."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from persona_sources import Persona
from service.http.contract import PersonaCard


def card_of(
    persona: Persona, *, offline: bool, max_message_chars: int, owner_can_step_in: bool = False
) -> PersonaCard:
    """The card of `persona`: nothing private, fixed for the process's life."""
    return PersonaCard(
        name=persona.name,
        full_name=persona.full_name,
        headline=persona.headline,
        greeting=persona.greeting,
        suggested_questions=list(persona.suggested_questions),
        avatar_url=persona.avatar_url,
        offline=offline,
        max_message_chars=max_message_chars,
        owner_can_step_in=owner_can_step_in,
    )


class PersonaController(Controller):
    path = "/persona"
    tags = ["persona"]

    @get("/", summary="The owner's public persona card")
    async def card(self, card: NamedDependency[PersonaCard]) -> PersonaCard:
        return card
