"""The tools the model may call in a chat turn: their arguments are Structs, their specs derived from them.

Each tool is one argument Struct: its docstring is the tool's description, its fields (with their
descriptions and length limits) are the JSON Schema the model sees, and the same Struct decodes and
checks what the model sends. Running a call records it for the owner and, when it is new, tells them.
A turn runs at most `TOOL_CALLS_PER_TURN` calls, whatever the model asks for.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from memory import StoreError
from service.owner.contacts import EMAIL
from service.owner.loop import OwnerLoop
from service.owner.notify import Announcer
from service.owner.throttle import TOOL_CALLS_PER_TURN, Visit
from service.providers import ToolCall, ToolResult, ToolSpec
from service.providers.offline import OfflineTools

log = logging.getLogger("twin.owner")

Email = Annotated[
    str, Meta(min_length=3, max_length=254, description="the visitor's email address, as they wrote it")
]
VisitorName = Annotated[str, Meta(max_length=200, description="the visitor's name, if they gave it")]
Note = Annotated[str, Meta(max_length=1000, description="what they want to talk about, in a sentence")]
QuestionText = Annotated[str, Meta(min_length=3, max_length=500, description="the visitor's question")]


class ToolArgs(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of tool arguments: the model's JSON must match exactly (unknown keys are refused)."""


class ContactArgs(ToolArgs, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Pass a visitor's contact details on to the owner. Use only when the visitor gives an email
    address and wants the owner to get in touch (or to receive an answer later)."""

    email: Email
    name: VisitorName = ""
    note: Note = ""


class QuestionArgs(ToolArgs, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Pass a question on to the owner that the persona sources do not answer, so the owner can
    answer it. Use it instead of guessing; then tell the visitor you passed it on."""

    question: QuestionText


#: Tool name -> its arguments. The names are what models and the offline provider call.
RECORD_CONTACT = "record_contact"
RECORD_QUESTION = "record_unanswered_question"
ARGUMENTS: dict[str, type[ToolArgs]] = {RECORD_CONTACT: ContactArgs, RECORD_QUESTION: QuestionArgs}


def tool_spec(name: str, arguments: type[ToolArgs]) -> ToolSpec:
    """The spec a model sees, derived from the argument Struct (docstring, fields, limits)."""
    (_,), components = msgspec.json.schema_components([arguments], ref_template="#/{name}")
    schema = dict(components[arguments.__name__])
    description = " ".join((schema.pop("description", "") or "").split())
    schema.pop("title", None)
    return ToolSpec(name=name, description=description, parameters=schema)


#: The specs offered to the model on every turn (built once per process).
TOOLS: tuple[ToolSpec, ...] = tuple(tool_spec(name, args) for name, args in ARGUMENTS.items())
#: The same tools as the offline provider calls them.
OFFLINE_TOOLS = OfflineTools(contact=RECORD_CONTACT, question=RECORD_QUESTION, email=EMAIL)


class TwinTools:
    """Runs the model's tool calls: records what the visitor left and tells the owner what is new."""

    def __init__(self, owner: OwnerLoop, announcer: Announcer) -> None:
        self._owner = owner
        self._announcer = announcer

    @staticmethod
    def logged_name(call: ToolCall) -> str:
        """The call's tool as the turn log and the conversation keep it: a name the model made up
        is not kept (it may be any text, a visitor's details included)."""
        return call.name if call.name in ARGUMENTS else "unknown"

    async def execute(self, call: ToolCall, visit: Visit) -> ToolResult:
        """The result the model gets for `call`, made in the turn `visit` describes.

        Bad arguments, store failures and calls past the turn's bound become an error result the
        model can talk around; they never fail the visitor's turn.
        """
        arguments = ARGUMENTS.get(call.name)
        if arguments is None:
            return _result(call, ok=False, error=f"unknown tool {call.name[:40]!r}")
        if visit.tool_calls >= TOOL_CALLS_PER_TURN:
            log.info("tool %s refused: %d calls in one turn already", call.name, visit.tool_calls)
            return _result(call, ok=False, error="too many tool calls in one reply; this one was not run")
        visit.tool_calls += 1
        session_id = visit.session_id
        try:
            args = msgspec.json.decode(call.arguments or "{}", type=arguments)
            if isinstance(args, ContactArgs):
                await self.record_contact(args, visit)
                return _result(call, ok=True, recorded="contact")
            assert isinstance(args, QuestionArgs)
            question, new = await self._owner.record_question(session_id, args.question)
            if new:
                await self._announcer.question(question, visit)
            return _result(call, ok=True, recorded="question")
        except (msgspec.ValidationError, msgspec.DecodeError, ValueError) as exc:
            log.info("tool %s refused: invalid arguments", call.name)
            return _result(call, ok=False, error=f"invalid arguments: {_no_values(exc)}")
        except StoreError as exc:
            log.warning("tool %s failed: %s", call.name, type(exc).__name__)
            return _result(call, ok=False, error="could not record it right now")

    async def record_contact(self, args: ContactArgs, visit: Visit) -> None:
        """Record a visitor's contact and tell the owner when it is new (within the notification
        bounds): the one way a contact is taken, whether a chat turn's tool call or MCP's
        `leave_message` leaves it.

        Raises: ValueError (not an email address), StoreError.
        """
        contact, new = await self._owner.record_contact(visit.session_id, args.email, args.name, args.note)
        if new:
            await self._announcer.contact(contact, visit)


def _result(call: ToolCall, **content: Any) -> ToolResult:
    return ToolResult(call_id=call.id, content=msgspec.json.encode(content).decode())


def _no_values(exc: Exception) -> str:
    """A validation message without the offending value (it may be an email)."""
    return str(exc).split(" - at ")[-1][:120] if " - at " in str(exc) else type(exc).__name__
