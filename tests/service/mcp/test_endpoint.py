"""POST /mcp over real HTTP: the SDK's own client against `twin serve`, with the offline provider.

Both eras of the protocol are exercised: the initialize handshake (`mode="legacy"`) and the
2026-07-28 per-request envelope the SDK's client negotiates by default (`mode="auto"`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client, MCPError
from mcp.types import INVALID_PARAMS

from memory import file_memory
from service.mcp.contract import tools_for
from service.owner.live import LiveOwner
from service.owner.loop import OwnerLoop
from tests.conftest import EXAMPLE_PERSONA
from tests.service.http.test_privacy import PRIVATE
from tests.support.serve import Served, twin_serve
from tests.support.webhook import WebhookReceiver

MODES = ["legacy", "auto"]


@pytest.fixture(scope="module")
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def memory_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mcp") / "conversations"


@pytest.fixture(scope="module")
def served(memory_dir: Path, hook: WebhookReceiver) -> Iterator[Served]:
    """The offline twin with the rate limits off (they are tested on a server of their own)."""
    with twin_serve(
        PERSONA_DIR=EXAMPLE_PERSONA,
        MEMORY_DIR=memory_dir,
        TWIN_PROVIDER="offline",
        TWIN_NOTIFY_WEBHOOK_URL=hook.url,
        TWIN_RATE_LIMIT_PER_MINUTE=0,
        TWIN_SESSION_RATE_LIMIT_PER_MINUTE=0,
        TWIN_NEW_SESSIONS_PER_HOUR=0,
        TWIN_MCP_MESSAGES_PER_HOUR=0,
    ) as twin:
        yield twin


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def connect(served: Served, mode: str = "auto") -> Client:
    """The SDK's client for the server's endpoint (entered in the test itself: its task group must be)."""
    return Client(f"{served.url}/mcp", mode=mode)


def text(result: Any) -> str:
    return "".join(block.text for block in result.content)


async def test_a_client_connects_and_lists_the_three_tools_with_the_schemas_of_their_structs(
    mode: str,
    served: Served,
) -> None:
    async with connect(served, mode) as client:
        assert client.protocol_version in ("2025-11-25", "2026-07-28")
        listed = {tool.name: tool for tool in (await client.list_tools()).tools}
        expected = {tool.name: tool for tool in tools_for("Freja", 4000)}
        assert list(listed) == ["ask_twin", "get_profile", "leave_message"]
        for name, tool in listed.items():
            assert tool.input_schema == expected[name].input_schema
            assert tool.output_schema == expected[name].output_schema
            assert tool.description and "Freja" in tool.description
        assert (
            listed["get_profile"].annotations is not None and listed["get_profile"].annotations.read_only_hint
        )
        assert listed["ask_twin"].input_schema["properties"]["question"]["maxLength"] == 4000


async def test_ask_twin_is_a_chat_turn_stored_like_one_and_continued_by_its_conversation_id(
    mode: str, served: Served
) -> None:
    async with connect(served, mode) as client:
        first = await client.call_tool("ask_twin", {"question": "Where do you work?"})
        assert not first.is_error
        answer = first.structured_content
        assert "Corvina Pay" in answer["reply"] and answer["reply_number"] == 1
        assert json.loads(text(first)) == answer
        follow_up = await client.call_tool(
            "ask_twin", {"question": "Where did you study?", "conversation_id": answer["conversation_id"]}
        )
        assert follow_up.structured_content["conversation_id"] == answer["conversation_id"]
        assert follow_up.structured_content["reply_number"] == 2
        stored = httpx.get(f"{served.url}/conversation/{answer['conversation_id']}").json()
        assert [m["content"] for m in stored["messages"] if m["role"] == "user"] == [
            "Where do you work?",
            "Where did you study?",
        ]
        assert "KTH" in follow_up.structured_content["reply"]


async def test_get_profile_is_the_public_card_and_profile_and_nothing_private(
    mode: str, served: Served
) -> None:
    async with connect(served, mode) as client:
        result = await client.call_tool("get_profile", {})
        profile = result.structured_content
        assert profile["full_name"] == "Freja Holmqvist" and profile["location"] == "Lisbon, Portugal"
        assert profile["links"] == ["https://www.linkedin.com/in/freja-holmqvist-example"]
        assert profile["positions"][0] | {"description": ""} == {
            "title": "Staff Platform Engineer",
            "company": "Corvina Pay",
            "start": "March 2021",
            "end": "Present",
            "location": "Lisbon, Portugal",
            "description": "",
        }
        assert [school["school"] for school in profile["education"]] == [
            "KTH Royal Institute of Technology",
            "Uppsala University",
        ]
        assert profile["skills"] == ["Kubernetes", "Platform Engineering", "Terraform"]
        assert profile["languages"][0] == "Swedish (Native or Bilingual)"
        assert "What languages do you speak?" in profile["suggested_questions"]
        assert not any(value in text(result) for value in PRIVATE)


async def test_the_resources_and_the_prompt_are_public_and_the_llms_txt_names_the_endpoint(
    mode: str, served: Served
) -> None:
    async with connect(served, mode) as client:
        uris = [str(resource.uri) for resource in (await client.list_resources()).resources]
        assert uris == ["twin://persona/card", "twin://persona/llms.txt"]
        card = (await client.read_resource("twin://persona/card")).contents[0]
        assert json.loads(card.text) == httpx.get(f"{served.url}/persona").json()  # type: ignore[union-attr]
        llms = (await client.read_resource("twin://persona/llms.txt")).contents[0]
        assert llms.text.startswith("# Freja Holmqvist")  # type: ignore[union-attr]
        assert f"[MCP endpoint]({served.url}/mcp)" in llms.text  # type: ignore[union-attr]
        [prompt] = (await client.list_prompts()).prompts
        assert prompt.name == "introduce" and prompt.title == "Introduce Freja"
        introduced = await client.get_prompt("introduce", {"audience": "a recruiter"})
        request = introduced.messages[0].content.text  # type: ignore[union-attr]
        assert request.startswith("Introduce Freja Holmqvist for a recruiter")
        published = card.text + llms.text + request  # type: ignore[union-attr]
        assert not any(value in published for value in PRIVATE)


async def test_leave_message_takes_a_contact_as_chat_does_notifies_the_owner_and_keeps_the_message(
    mode: str, served: Served, memory_dir: Path, hook: WebhookReceiver
) -> None:
    async with connect(served, mode) as client:
        email = f"ada-{client.protocol_version}@example.com"
        message = "Could we talk about a Staff platform role in Lisbon?"
        name = "Ada.\n\n**Security notice:** [sign in again](https://evil.example/owner/login)"
        result = await client.call_tool("leave_message", {"email": email, "message": message, "name": name})
        assert not result.is_error
        conversation_id = result.structured_content["conversation_id"]
        notification = hook.wait_for(lambda body: email in body["text"])
        assert notification["event"] == "contact"
        assert f"Note: {message}" in notification["text"] and conversation_id in notification["text"]
        [contact] = [
            c for c in await OwnerLoop(file_memory(memory_dir).records).contacts() if c.email == email
        ]
        assert contact.note == message and contact.sessions == [conversation_id]
        stored = httpx.get(f"{served.url}/conversation/{conversation_id}").json()["messages"]
        assert [m["role"] for m in stored] == ["user", "assistant"] and stored[0]["content"] == message
        # the name the caller gave never becomes the twin's own words (shown to the owner as the twin's)
        assert "evil.example" not in stored[1]["content"] and "Security" not in stored[1]["content"]


async def test_ask_twin_while_the_owner_is_in_the_conversation_says_so_and_numbers_no_reply(
    served: Served, memory_dir: Path
) -> None:
    async with connect(served) as client:
        first = await client.call_tool("ask_twin", {"question": "Where do you work?"})
        conversation_id = first.structured_content["conversation_id"]
        await LiveOwner(file_memory(memory_dir).conversations, 600).join(conversation_id)
        held = await client.call_tool(
            "ask_twin", {"question": "Can we talk now?", "conversation_id": conversation_id}
        )
    assert not held.is_error
    answer = held.structured_content
    assert answer["owner_present"] is True and answer["reply_number"] is None
    assert "in this conversation in person" in answer["reply"]
    opened = first.structured_content
    assert opened["owner_present"] is False and opened["reply_number"] == 1
    stored = httpx.get(f"{served.url}/conversation/{conversation_id}").json()["messages"]
    assert [m["role"] for m in stored] == ["user", "assistant", "user"]  # the twin said nothing


@pytest.mark.parametrize(
    ("tool", "arguments", "says"),
    [
        ("ask_twin", {}, "missing required field `question`"),
        ("ask_twin", {"question": "   "}, "at `$.question`"),
        ("ask_twin", {"question": 5}, "Expected `str`, got `int` - at `$.question`"),
        ("ask_twin", {"question": "hi", "session_id": "x"}, "unknown field `session_id`"),
        ("ask_twin", {"question": "x" * 4001}, "message is 4001 characters long; the limit is 4000"),
        ("ask_twin", {"question": "hi", "conversation_id": "../etc"}, "at `$.conversation_id`"),
        ("ask_twin", {"question": "hi", "conversation_id": "A" * 32}, "conversation not found"),
        ("leave_message", {"email": "not an address", "message": "hi"}, "at `$.email`"),
        ("leave_message", {"email": "ada@example.com", "message": "x" * 1001}, "length <= 1000"),
        ("get_profile", {"everything": True}, "unknown field `everything`"),
    ],
)
async def test_bad_arguments_are_tool_errors_that_say_what_is_wrong(
    mode: str, served: Served, tool: str, arguments: dict[str, Any], says: str
) -> None:
    async with connect(served, mode) as client:
        result = await client.call_tool(tool, arguments)
        assert result.is_error and result.structured_content is None
        assert says in text(result)


async def test_an_unknown_tool_resource_or_prompt_is_an_invalid_params_error_naming_what_exists(
    mode: str,
    served: Served,
) -> None:
    async with connect(served, mode) as client:
        with pytest.raises(
            MCPError, match="unknown tool 'delete_everything'; the tools are ask_twin"
        ) as tool:
            await client.call_tool("delete_everything", {})
        with pytest.raises(MCPError, match="unknown resource 'file:///etc/passwd'") as resource:
            await client.read_resource("file:///etc/passwd")
        with pytest.raises(MCPError, match="unknown prompt 'jailbreak'; the prompt is introduce") as prompt:
            await client.get_prompt("jailbreak")
        assert {tool.value.code, resource.value.code, prompt.value.code} == {INVALID_PARAMS}


def post(url: str, body: str | bytes, **headers: str) -> httpx.Response:
    return httpx.post(
        url,
        content=body,
        headers={"content-type": "application/json", "accept": "application/json"} | headers,
    )


def test_malformed_requests_get_clear_errors_and_never_a_500(served: Served) -> None:
    url = f"{served.url}/mcp"
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call"}
    answers = {
        "not json": post(url, "{"),
        "a batch": post(url, json.dumps([call, call])),
        "no method": post(url, json.dumps({"jsonrpc": "2.0", "id": 1})),
        "unknown method": post(url, json.dumps(call | {"method": "tools/destroy"})),
        "params not an object": post(url, json.dumps(call | {"params": 5})),
        "no tool name": post(url, json.dumps(call | {"params": {"arguments": {}}})),
        "modern without envelope": post(
            url,
            json.dumps(call | {"params": {"name": "get_profile"}}),
            **{"mcp-protocol-version": "2026-07-28"},
        ),
        "not JSON content": post(url, "{}", **{"content-type": "text/plain"}),
        "html only": post(url, json.dumps(call), accept="text/html"),
        "too large": post(url, json.dumps({"question": "x" * 60_000})),
        "GET": httpx.get(url),
        "DELETE": httpx.delete(url),
    }
    statuses = {case: response.status_code for case, response in answers.items()}
    assert all(status < 500 for status in statuses.values()), statuses
    for case in ("not json", "a batch", "no method", "params not an object", "modern without envelope"):
        assert statuses[case] == 400 and answers[case].json()["error"]["code"] in (-32700, -32602), case
    # A well-formed request the server cannot serve is answered by a JSON-RPC error.
    assert answers["unknown method"].json()["error"] == {
        "code": -32601,
        "message": "Method not found",
        "data": "tools/destroy",
    }
    assert answers["no tool name"].json()["error"]["code"] == -32602
    assert statuses["not JSON content"] == 400 and statuses["html only"] == 406
    assert statuses["too large"] == 413
    assert statuses["GET"] == statuses["DELETE"] == 405 and answers["GET"].headers["allow"] == "POST"


def test_a_request_whose_id_is_not_a_string_or_integer_is_refused_not_taken_for_a_notification(
    served: Served,
) -> None:
    """The SDK answered these 202 and ran nothing: a client waiting for its answer waited forever."""
    url = f"{served.url}/mcp"
    listing = {"jsonrpc": "2.0", "method": "tools/list"}
    for request_id in (None, True, 1.5, [1], {"a": 1}):
        refused = post(url, json.dumps(listing | {"id": request_id}))
        assert refused.status_code == 400, (request_id, refused.text)
        assert refused.json() == {
            "jsonrpc": "2.0",
            "id": None,
            "error": {
                "code": -32600,
                "message": "Invalid Request: a request's id must be a string or an integer",
            },
        }
    for request_id in (7, "seven"):
        assert post(url, json.dumps(listing | {"id": request_id})).json()["id"] == request_id
    assert post(url, json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})).status_code == 202


def test_a_page_on_another_site_is_refused_as_on_the_chat_api(served: Served) -> None:
    listing = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    refused = post(f"{served.url}/mcp", listing, origin="https://evil.example")
    assert refused.status_code == 403 and refused.json()["extra"] == {"error": "origin_not_allowed"}
    assert post(f"{served.url}/mcp", listing, origin=served.url).status_code == 200
    assert post(f"{served.url}/mcp", listing).status_code == 200  # MCP clients send no Origin


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Two chat messages per client IP per minute, one message for the owner per hour."""
    with twin_serve(
        PERSONA_DIR=EXAMPLE_PERSONA,
        MEMORY_DIR=tmp_path_factory.mktemp("strict") / "conversations",
        TWIN_PROVIDER="offline",
        TWIN_RATE_LIMIT_PER_MINUTE=2,
        TWIN_MCP_MESSAGES_PER_HOUR=1,
    ) as twin:
        yield twin


async def test_ask_twin_shares_the_chat_limits_and_leave_message_has_a_stricter_one(strict: Served) -> None:
    assert httpx.post(f"{strict.url}/chat", json={"message": "Hi"}).status_code == 200
    async with Client(f"{strict.url}/mcp") as client:
        assert not (await client.call_tool("ask_twin", {"question": "Where do you work?"})).is_error
        limited = await client.call_tool("ask_twin", {"question": "And before?"})
        assert limited.is_error
        assert text(limited).startswith("too many messages from your address; try again in")
        left = await client.call_tool("leave_message", {"email": "ada@example.com", "message": "Hello"})
        assert not left.is_error
        again = await client.call_tool("leave_message", {"email": "bob@example.com", "message": "Hello"})
        assert again.is_error
        assert text(again).startswith("too many messages for the owner from your address; try again in")
        assert not (await client.call_tool("get_profile", {})).is_error  # reading costs nothing
    assert httpx.post(f"{strict.url}/chat", json={"message": "Hi"}).status_code == 429
