"""Each MCP tool is defined once, by its Structs: schemas, description and checks all come from them."""

from __future__ import annotations

import msgspec
import pytest

from service.mcp.contract import (
    AskArgs,
    IntroduceArgs,
    MessageArgs,
    Profile,
    introduce_prompt,
    object_schema,
    tools_for,
)
from service.owner.tools import tool_spec


def test_every_tool_is_its_argument_and_result_structs_named_for_the_owner() -> None:
    for tool in tools_for("Maya", 4000):
        derived = tool_spec(tool.name, tool.arguments)
        assert tool.description == derived.description.format(owner="Maya")
        assert "{owner}" not in tool.description + tool.title and "Maya" in tool.description
        assert tool.input_schema["type"] == tool.output_schema["type"] == "object"
        assert tool.input_schema["additionalProperties"] is False


def test_the_question_limit_is_the_deployments_message_limit() -> None:
    [ask] = [tool for tool in tools_for("Maya", 50) if tool.name == "ask_twin"]
    assert ask.input_schema["properties"]["question"]["maxLength"] == 50
    assert ask.input_schema["required"] == ["question"]


def test_nested_results_keep_their_definitions_beside_an_object_root() -> None:
    schema = object_schema(Profile)
    assert schema["type"] == "object" and "title" not in schema
    assert schema["properties"]["positions"]["items"] == {"$ref": "#/$defs/Position"}
    assert set(schema["$defs"]) == {"Position", "School"}


def test_the_structs_that_describe_the_arguments_are_the_ones_that_check_them() -> None:
    for conversation_id in ("x", "A" * 32 + "\n"):  # Python's `$` alone would take the newline
        with pytest.raises(msgspec.ValidationError, match=r"at `\$.conversation_id`"):
            msgspec.convert({"question": "hi", "conversation_id": conversation_id}, AskArgs)
    for email in ("ada at example dot com", "ada@example.com\n"):
        with pytest.raises(msgspec.ValidationError, match=r"at `\$.email`"):
            msgspec.convert({"email": email, "message": "hi"}, MessageArgs)
    with pytest.raises(msgspec.ValidationError, match=r"at `\$.message`"):
        msgspec.convert({"email": "ada@example.com", "message": " \n "}, MessageArgs)
    assert msgspec.convert({"email": "Ada@Example.com", "message": "hi"}, MessageArgs).name == ""


def test_the_prompt_lists_its_optional_argument_from_its_struct() -> None:
    prompt = introduce_prompt("Maya")
    assert (prompt.name, prompt.title) == ("introduce", "Introduce Maya")
    [audience] = prompt.arguments
    assert audience.name == "audience" and not audience.required
    assert audience.description == object_schema(IntroduceArgs)["properties"]["audience"]["description"]
