"""What the twin warns its operator about when it starts: settings that are allowed but open it to
every website or host name, and a persona too long for its model."""

from __future__ import annotations

import logging

from persona_sources import Persona
from service.http.admission import ANY_ORIGIN
from service.providers.tokens import estimate_tokens, prompt_budget
from service.settings import Settings

log = logging.getLogger("twin")


def warn_if_the_prompt_does_not_fit(persona: Persona, settings: Settings) -> None:
    """A persona too long for the model would fail every turn; `twin persona check` says so, but the
    service may start without it (an estimate: counting exactly would load a tokenizer here)."""
    tokens, budget = estimate_tokens(persona.prompt), prompt_budget(settings)
    if tokens > budget:
        log.warning(
            "the persona's system prompt is about %d tokens, over the %d that %s leaves it after "
            "TWIN_MAX_REPLY_TOKENS and TWIN_HISTORY_TOKEN_BUDGET; shorten the sources (twin persona check)",
            tokens,
            budget,
            settings.model.name,
        )


def warn_about_open_doors(settings: Settings) -> None:
    """Settings that are allowed but open the twin to every website or every host name."""
    if ANY_ORIGIN in settings.web.cors_origins:
        log.warning(
            "CORS_ORIGINS=* lets any website put this twin on its pages through its visitors' browsers; "
            "list your sites' origins instead (CORS_ORIGINS=https://you.example)"
        )
    if "*" in settings.web.allowed_hosts:
        log.warning("TWIN_ALLOWED_HOSTS=* answers for any host name, DNS-rebinding pages included")
