"""How `create_app` wires the MCP endpoint: on by default, off with TWIN_MCP=false, the SDK imported
only when MCP is first served, and ask_twin under the same spend cap as the chat API."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from persona_sources import load_persona
from service.app import create_app
from service.mcp.twin import profile_of
from service.settings import Settings
from tests.conftest import EXAMPLE_PERSONA, REPO
from tests.service.http.test_privacy import PRIVATE
from tests.support.fake_openai import FakeOpenAI
from tests.support.settings import on_fake_model, tweak

HEADERS = {"content-type": "application/json", "accept": "application/json"}


def call(client: TestClient[Any], tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """One tools/call as JSON-RPC over the app; its result."""
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": tool, "arguments": arguments},
    }
    response = client.post("/mcp", content=json.dumps(body), headers=HEADERS)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["result"]
    return result


def test_twin_mcp_false_serves_no_endpoint(settings: Settings) -> None:
    with TestClient(app=create_app(tweak(settings, TWIN_MCP=False))) as client:
        assert client.post("/mcp", content="{}", headers=HEADERS).status_code == 404
        assert client.get("/mcp").status_code == 404


def test_the_sdk_is_imported_on_the_first_mcp_request_not_at_start_up(settings: Settings) -> None:
    persona, memory = str(EXAMPLE_PERSONA), str(settings.storage.memory_dir)
    script = f"""
import json, sys
from litestar.testing import TestClient
from service.app import create_app
from tests.support.settings import settings_for
hosts = "testserver.local"  # the test client's host name
app = create_app(settings_for(PERSONA_DIR={persona!r}, MEMORY_DIR={memory!r}, TWIN_ALLOWED_HOSTS=hosts))
at_start = "mcp" in sys.modules
with TestClient(app) as client:
    client.get("/health")
    after_chat_api = "mcp" in sys.modules
    listing = {{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}}
    client.post("/mcp", content=json.dumps(listing), headers={HEADERS!r})
print(json.dumps([at_start, after_chat_api, "mcp" in sys.modules]))
"""
    ran = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(ran.stdout.splitlines()[-1]) == [False, False, True]


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def test_ask_twin_answers_offline_with_a_note_once_the_spend_cap_is_reached(
    settings: Settings, fake: FakeOpenAI
) -> None:
    capped = on_fake_model(settings, fake.base_url, TWIN_DAILY_TOKEN_BUDGET=100)
    fake.reply("I work at Corvina Pay.", prompt_tokens=150, completion_tokens=10)
    with TestClient(app=create_app(capped)) as client:
        assert call(client, "ask_twin", {"question": "Where do you work?"})["structuredContent"]["reply"] == (
            "I work at Corvina Pay."
        )
        reply = call(client, "ask_twin", {"question": "Where did you study?"})["structuredContent"]["reply"]
    assert "KTH" in reply and "used up its budget until tomorrow" in reply
    assert fake.request_count == 1  # the second turn never reached the model


def test_the_profile_holds_every_position_school_and_list_of_the_persona_and_nothing_private() -> None:
    profile = profile_of(load_persona(EXAMPLE_PERSONA))
    assert [(p.company, p.start, p.end) for p in profile.positions] == [
        ("Corvina Pay", "March 2021", "Present"),
        ("Nordlys Freight", "January 2019", "February 2021"),
        ("Nordlys Freight", "August 2016", "December 2018"),
        ("Lumenfall Studios", "June 2014", "July 2016"),
    ]
    assert profile.positions[0].description.startswith("Technical lead for Harbour")
    assert profile.education[0].degree == "Master of Science - MS, Computer Science (Distributed Systems)"
    assert profile.education[0].dates == "2012 - 2014"
    assert len(profile.languages) == 4 and profile.languages[-1] == "German (Elementary)"
    assert "Certified Kubernetes Administrator (CKA)" in profile.certifications
    published = msgspec.json.encode(profile).decode()
    assert not any(value in published for value in PRIVATE)


def test_a_persona_without_a_linkedin_export_has_an_empty_but_valid_profile(tmp_path: Any) -> None:
    (tmp_path / "summary.txt").write_text("I build compilers.\n")
    (tmp_path / "facts.json").write_text(json.dumps({"full_name": "Ada Byron", "name": "Ada"}))
    profile = profile_of(load_persona(tmp_path))
    assert profile.full_name == "Ada Byron"
    assert profile.positions == profile.education == profile.skills == profile.languages == []
