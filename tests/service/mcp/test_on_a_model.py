"""ask_twin on the OpenAI provider, against the local OpenAI-compatible test server: the same turn as
POST /chat (persona prompt, history, tools, failures), reached with the SDK's client over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from memory import file_memory
from service.owner.loop import OwnerLoop
from tests.conftest import EXAMPLE_PERSONA
from tests.support.fake_openai import FakeOpenAI
from tests.support.serve import Served, twin_serve


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(scope="module")
def memory_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mcp-model") / "conversations"


@pytest.fixture(scope="module")
def served(fake: FakeOpenAI, memory_dir: Path) -> Iterator[Served]:
    with twin_serve(
        PERSONA_DIR=EXAMPLE_PERSONA,
        MEMORY_DIR=memory_dir,
        TWIN_PROVIDER="openai",
        OPENAI_API_KEY="sk-test",
        OPENAI_BASE_URL=fake.base_url,
        TWIN_MODEL="gpt-fake",
        TWIN_LLM_MAX_RETRIES=0,
        TWIN_LLM_TIMEOUT_SECONDS=5,
        TWIN_TOKENS_PER_IP_PER_MINUTE=0,  # every turn of the module comes from 127.0.0.1
    ) as twin:
        yield twin


async def ask(served: Served, **arguments: Any) -> Any:
    async with Client(f"{served.url}/mcp") as client:
        return await client.call_tool("ask_twin", arguments)


async def test_ask_twin_asks_the_model_with_the_persona_history_and_tools_of_a_chat_turn(
    served: Served, fake: FakeOpenAI
) -> None:
    fake.reply("I work at", " Corvina Pay.")
    first = await ask(served, question="Where do you work?")
    assert first.structured_content["reply"] == "I work at Corvina Pay."
    request = fake.last_request
    system, *_, last = request["messages"]  # type: ignore[misc]
    assert system["role"] == "system" and "Freja Holmqvist" in system["content"]
    assert last == {"role": "user", "content": "Where do you work?"}
    assert {tool["function"]["name"] for tool in request["tools"]} == {  # type: ignore[attr-defined]
        "record_contact",
        "record_unanswered_question",
    }
    fake.reply("Nordlys Freight, in Gothenburg.")
    conversation_id = first.structured_content["conversation_id"]
    second = await ask(served, question="And before?", conversation_id=conversation_id)
    assert second.structured_content["reply_number"] == 2
    history = [m["content"] for m in fake.last_request["messages"][1:]]  # type: ignore[index]
    assert history == ["Where do you work?", "I work at Corvina Pay.", "And before?"]


async def test_the_model_takes_a_contact_inside_ask_twin_as_in_chat(
    served: Served, fake: FakeOpenAI, memory_dir: Path
) -> None:
    arguments = json.dumps({"email": "grace@example.com", "name": "Grace", "note": "a platform role"})
    fake.tool_call("record_contact", arguments, then="Thanks, I passed it on.")
    result = await ask(served, question="Please ask Freja to email me at grace@example.com")
    assert result.structured_content["reply"] == "Thanks, I passed it on."
    contacts = await OwnerLoop(file_memory(memory_dir).records).contacts()
    [grace] = [c for c in contacts if c.email == "grace@example.com"]
    assert grace.sessions == [result.structured_content["conversation_id"]]


@pytest.mark.parametrize(
    ("failure", "says"),
    [
        (lambda fake: fake.fail(500), "model"),
        (lambda fake: fake.fail(429, retry_after=7), "busy"),
        (lambda fake: fake.malformed(), "unreadable"),
    ],
)
async def test_a_failing_model_is_a_tool_error_saying_so_and_nothing_is_stored(
    served: Served, fake: FakeOpenAI, memory_dir: Path, failure: Any, says: str
) -> None:
    conversations = file_memory(memory_dir).conversations
    before = len(await conversations.list())
    failure(fake)
    result = await ask(served, question="Are you there?")
    assert result.is_error and says in result.content[0].text
    assert len(await conversations.list()) == before
