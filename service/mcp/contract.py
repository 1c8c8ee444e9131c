"""What the MCP endpoint offers, as data: every tool's arguments and result are Structs.

A tool's description is its argument Struct's docstring (`{owner}` becomes the owner's name), its
input schema the Struct's fields with their descriptions and limits, its output schema the result
Struct's: one definition each, derived as the chat model's own tools are (`service.owner.tools`),
and the same Struct decodes and checks what a client sends. Nothing here imports the MCP SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from memory.keys import END
from service.http.contract import NON_BLANK, MessageText, SessionId
from service.owner.contacts import EMAIL_PATTERN
from service.owner.tools import Email, Note, ToolArgs, VisitorName, tool_spec

ASK = "ask_twin"
PROFILE = "get_profile"
LEAVE_MESSAGE = "leave_message"
INTRODUCE = "introduce"
CARD_URI = "twin://persona/card"
LLMS_TXT_URI = "twin://persona/llms.txt"

Question = Annotated[MessageText, Meta(description="The question about the owner, in the user's words.")]
ConversationId = Annotated[
    SessionId | None,
    Meta(
        description="The conversation_id an earlier ask_twin call returned, to ask a follow-up in that "
        "conversation (the twin remembers it); omit it to start a new conversation."
    ),
]
ReplyEmail = Annotated[
    Email,
    Meta(
        pattern=f"^{EMAIL_PATTERN}{END}",
        description="The user's email address, where the owner should reply.",
    ),
]
SenderName = Annotated[VisitorName, Meta(description="The user's name, if they gave it.")]
MessageForOwner = Annotated[
    Note,
    Meta(
        min_length=1,
        pattern=NON_BLANK,
        description="What the user wants to tell or ask the owner, in a few sentences.",
    ),
]
Audience = Annotated[
    str,
    Meta(
        max_length=200,
        description="Who the introduction is for, e.g. 'a recruiter hiring a platform lead' (optional).",
    ),
]


class AskArgs(ToolArgs, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Ask {owner}'s digital twin about {owner}: their work, career, skills, projects, education,
    availability or how they like to work. The twin answers in {owner}'s voice, only from what
    {owner} has published, and says so when it does not know. Returns the reply and a
    conversation_id: pass it back to ask a follow-up in the same conversation."""

    question: Question
    conversation_id: ConversationId = None


class ProfileArgs(ToolArgs, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Get {owner}'s public profile as JSON: name, headline, location, links, positions, education,
    skills, languages and certifications, plus questions worth asking. Use it for facts to quote or
    compare; ask the twin about anything it does not cover."""


class MessageArgs(ToolArgs, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Leave a message for {owner}, who replies by email. {owner} is notified of an address the twin
    has not had before; a later message from the same address is added to what {owner} sees of that
    contact. Use it only when the user wants {owner} to get in touch and has given their own email
    address; never make one up. A few messages per hour are accepted from one address."""

    email: ReplyEmail
    message: MessageForOwner
    name: SenderName = ""


class IntroduceArgs(ToolArgs, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Introduce {owner}: who they are, what they do now, what they did before and what they are
    looking for, from their public profile."""

    audience: Audience = ""


class Result(msgspec.Struct, kw_only=True):
    """Base of tool results (a tool's structured content, also sent as JSON text)."""


class Answer(Result, kw_only=True):
    """The twin's reply and how to continue the conversation."""

    reply: str
    conversation_id: str
    #: 1 for the twin's first reply in the conversation; None when the owner holds it.
    reply_number: int | None
    #: The owner has stepped into this conversation in person: the question went to them, and the
    #: twin said nothing (`reply` says so); the owner answers in the conversation.
    owner_present: bool = False


class Position(Result, kw_only=True):
    title: str
    company: str
    start: str = ""
    #: "Present" for the current position.
    end: str = ""
    location: str = ""
    description: str = ""


class School(Result, kw_only=True):
    school: str
    degree: str = ""
    dates: str = ""


class Profile(Result, kw_only=True):
    """The owner's public profile: the persona card and what their sources list. Nothing private."""

    name: str
    full_name: str
    headline: str
    location: str = ""
    links: list[str] = msgspec.field(default_factory=list)
    suggested_questions: list[str] = msgspec.field(default_factory=list)
    positions: list[Position] = msgspec.field(default_factory=list)
    education: list[School] = msgspec.field(default_factory=list)
    skills: list[str] = msgspec.field(default_factory=list)
    languages: list[str] = msgspec.field(default_factory=list)
    certifications: list[str] = msgspec.field(default_factory=list)


class MessageLeft(Result, kw_only=True):
    """The message is recorded for the owner (notified when the address is new); the conversation
    holds it."""

    recorded: bool = True
    conversation_id: str


@dataclass(frozen=True)
class Tool:
    """One tool as MCP clients list it: everything but the name derived from its two Structs."""

    name: str
    title: str
    description: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    read_only: bool
    arguments: type[ToolArgs]


#: Tool name -> (title, arguments, result, whether it changes nothing); `{owner}` in titles too.
TOOLS: dict[str, tuple[str, type[ToolArgs], type[Result], bool]] = {
    ASK: ("Ask {owner}'s digital twin", AskArgs, Answer, False),
    PROFILE: ("{owner}'s public profile", ProfileArgs, Profile, True),
    LEAVE_MESSAGE: ("Leave {owner} a message", MessageArgs, MessageLeft, False),
}


def tools_for(owner: str, max_message_chars: int) -> tuple[Tool, ...]:
    """The tools as this deployment offers them: named for its owner, with its own message limit."""
    found = []
    for name, (title, arguments, result, read_only) in TOOLS.items():
        spec = tool_spec(name, arguments)
        schema = spec.parameters
        question = schema.get("properties", {}).get("question")
        if question is not None:
            question["maxLength"] = min(question.get("maxLength", max_message_chars), max_message_chars)
        found.append(
            Tool(
                name=name,
                title=title.format(owner=owner),
                description=spec.description.format(owner=owner),
                input_schema=schema,
                output_schema=object_schema(result),
                read_only=read_only,
                arguments=arguments,
            )
        )
    return tuple(found)


def object_schema(kind: type[msgspec.Struct]) -> dict[str, Any]:
    """The JSON Schema of `kind` with an object at its root (as MCP requires), nested Structs in `$defs`."""
    (_,), components = msgspec.json.schema_components([kind], ref_template="#/$defs/{name}")
    schema = dict(components.pop(kind.__name__))
    schema.pop("title", None)
    if components:
        schema["$defs"] = components
    return schema


@dataclass(frozen=True)
class PromptArgument:
    name: str
    description: str
    required: bool


@dataclass(frozen=True)
class Prompt:
    """The one prompt, as MCP clients list it: derived from the Struct that decodes its arguments."""

    name: str
    title: str
    description: str
    arguments: tuple[PromptArgument, ...]


def introduce_prompt(owner: str) -> Prompt:
    """The "introduce the owner" prompt, named for this deployment's owner."""
    spec = tool_spec(INTRODUCE, IntroduceArgs)
    required = set(spec.parameters.get("required", ()))
    return Prompt(
        name=INTRODUCE,
        title=f"Introduce {owner}",
        description=spec.description.format(owner=owner),
        arguments=tuple(
            PromptArgument(name=name, description=field.get("description", ""), required=name in required)
            for name, field in spec.parameters.get("properties", {}).items()
        ),
    )
