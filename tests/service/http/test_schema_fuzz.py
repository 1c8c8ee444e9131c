"""schemathesis against the app's own OpenAPI document: generated requests, no 5xx, answers as documented.

Every request is generated from /schema/openapi.json (valid ones and, in negative mode, ones that
break the schema) and sent to the app in-process. schemathesis' default checks then hold each
answer to the document: no server error, a documented status code and content type, a body (and,
for the chat stream, every event's data) matching its schema, valid requests accepted (2xx, or a
documented 404/409) and invalid ones rejected (4xx). The run is deterministic: Hypothesis draws from
a fixed derandomised sequence, so CI sends the same requests every time.

A real session is seeded and used by a share of the valid cases, so reading, rating, continuing and
erasing a conversation reach their 2xx paths too, not only their 404s.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi.schemas import OpenApiSchema

from service.app import create_app
from tests.conftest import EXAMPLE_PERSONA
from tests.support.settings import settings_for

#: Generated requests per mode: 1,200 in all (valid ones exercise more of the app, so they get more).
CASES = {GenerationMode.POSITIVE: 800, GenerationMode.NEGATIVE: 400}

#: An oversized invalid body is rejected by its size (413) before its content is read: a rejection too.
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": [400, 403, 404, 405, 409, 413, 415, 422, 429],
            }
        }
    }
)


@pytest.fixture
def schema(tmp_path: Path) -> Iterator[OpenApiSchema]:
    """The app as a visitor meets it, with rate limits off (thousands of requests from one address)."""
    app_settings = settings_for(
        PERSONA_DIR=EXAMPLE_PERSONA,
        MEMORY_DIR=tmp_path / "conversations",
        TWIN_PROVIDER="offline",
        TWIN_WEB_DIR=tmp_path / "no-web",
        TWIN_RATE_LIMIT_PER_MINUTE=0,
        TWIN_SESSION_RATE_LIMIT_PER_MINUTE=0,
        TWIN_NEW_SESSIONS_PER_HOUR=0,
        TWIN_ALLOWED_HOSTS="testserver",  # the host name schemathesis' ASGI client addresses
    )
    try:
        yield schemathesis.openapi.from_asgi("/schema/openapi.json", create_app(app_settings), config=CONFIG)
    finally:
        asgi.shutdown_lifespans()  # the app's shutdown hooks run here, not at interpreter exit


class SeededSession:
    """A conversation that exists, for valid cases to use instead of a random (unknown) session id."""

    def __init__(self, schema: OpenApiSchema) -> None:
        self._chat = schema["/chat"]["POST"]
        self._read = schema["/conversation/{session_id}"]["GET"]
        self.id = ""
        self.replies = 0
        self.renew()

    def renew(self) -> None:
        """Start a fresh conversation of three turns (the old one was erased or is full)."""
        self.id, self.replies = "", 0
        for question in ("Hello!", "Where do you work?", "What do you do there?"):
            body: dict[str, Any] = {"message": question}
            if self.id:
                body["session_id"] = self.id
            response = self._chat.Case(body=body).call()
            assert response.status_code == 200, response.text
            self.id = response.json()["session_id"]
            self.replies += 1

    def use_in(self, case: Case) -> bool:
        """Point a valid case's session id (path or body) at this conversation. Returns: whether it did."""
        if "session_id" in (case.path_parameters or {}):
            case.path_parameters["session_id"] = self.id
            return True
        if isinstance(case.body, dict) and isinstance(case.body.get("session_id"), str):
            case.body["session_id"] = self.id
            reply = case.body.get("reply")
            if isinstance(reply, int | float) and reply == int(reply):  # 5.0 is an integer to the schema
                case.body["reply"] = 1 + (int(reply) - 1) % self.replies  # a reply that exists
            return True
        return False

    def after(self, case: Case, status: int) -> None:
        """Keep the seeded conversation usable after a case changed it."""
        if case.operation.label == "DELETE /conversation/{session_id}" and status == 204:
            self.renew()
        elif case.operation.label in ("POST /chat", "POST /chat/stream") and status == 200:
            # Counted, not assumed: a generated idempotency key seen before replays instead.
            messages = self._read.Case(path_parameters={"session_id": self.id}).call().json()["messages"]
            self.replies = sum(1 for m in messages if m["role"] == "assistant")
        elif status == 409:
            self.renew()  # full: start another


def run_cases(schema: OpenApiSchema, mode: GenerationMode, seeded: SeededSession | None) -> Counter[str]:
    """Send `CASES[mode]` generated requests, validating every answer. Returns: counts by outcome."""
    outcomes: Counter[str] = Counter()

    @given(case=schema.as_strategy(generation_mode=mode), use_seeded=st.booleans())
    @settings(
        max_examples=CASES[mode],
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the report names the failing request
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    def check(case: Case, use_seeded: bool) -> None:
        on_seeded = seeded is not None and use_seeded and seeded.use_in(case)
        response = case.call_and_validate()
        label = f"{case.operation.label} -> {response.status_code}" + (" (seeded)" if on_seeded else "")
        outcomes[label] += 1
        if on_seeded and seeded is not None:
            seeded.after(case, response.status_code)

    check()
    return outcomes


def test_generated_requests_get_documented_answers_and_never_a_5xx(schema: OpenApiSchema) -> None:
    positive = run_cases(schema, GenerationMode.POSITIVE, SeededSession(schema))
    negative = run_cases(schema, GenerationMode.NEGATIVE, None)

    report = "\n".join(f"{count:5d}  {label}" for label, count in sorted((positive + negative).items()))
    print(f"\nschemathesis cases by outcome:\n{report}")
    assert positive.total() == CASES[GenerationMode.POSITIVE]
    assert negative.total() == CASES[GenerationMode.NEGATIVE]
    # The seeded conversation took the 2xx paths that a random session id never reaches.
    for reached in (
        "GET /conversation/{session_id} -> 200 (seeded)",
        "DELETE /conversation/{session_id} -> 204 (seeded)",
        "POST /feedback -> 201 (seeded)",
        "POST /chat -> 200 (seeded)",
        "POST /chat/stream -> 200 (seeded)",
    ):
        assert positive[reached] > 0, f"never reached: {reached}\n{report}"
    assert not any(label.endswith(("-> 500", "-> 502", "-> 503", "-> 504")) for label in positive + negative)
