"""What the MCP tools, resources and prompt do, on the twin's own collaborators (no SDK in sight).

`ask_twin` is a chat turn like POST /chat: the same per-IP and per-conversation limits (the same
windows, so a visitor gets no more by using both), then `ChatEngine.reply` with its persona,
grounding, tools, spend cap and turn log. `leave_message` takes a contact exactly as a chat turn's
tool call does (`TwinTools.record_contact`: validation, deduplication, the owner's notification) and
keeps the message as a conversation, the one the owner's notification points to. Everything else is
public by construction: private facts never reach the persona.
"""

from __future__ import annotations

from datetime import UTC, datetime

from memory import ConversationStore, Message, new_session_id
from persona_sources import Persona, Section
from persona_sources.publish import llms_txt
from service.chat.engine import ChatEngine
from service.errors import RateLimited
from service.http.contract import PersonaCard
from service.http.limits import VisitorLimits
from service.mcp.contract import (
    Answer,
    AskArgs,
    IntroduceArgs,
    MessageArgs,
    MessageLeft,
    Position,
    Profile,
    School,
)
from service.owner.throttle import Visit
from service.owner.tools import ContactArgs, TwinTools
from service.runtime.windows import SlidingWindow

#: `ask_twin`'s reply while the owner is in the conversation in person (the twin stays silent).
HELD = (
    "{owner} is in this conversation in person right now, so the twin does not answer: your message "
    "went to {owner}, who replies in this conversation."
)


class McpTwin:
    """The twin as MCP clients see it. Built once per process by the app factory."""

    def __init__(
        self,
        *,
        persona: Persona,
        card: PersonaCard,
        engine: ChatEngine,
        visitors: VisitorLimits,
        messages: SlidingWindow,
        tools: TwinTools,
        conversations: ConversationStore,
    ) -> None:
        self.persona = persona
        self.card = card
        #: Fixed for the process's life, like the persona it comes from.
        self.profile = profile_of(persona)
        self._engine = engine
        self._visitors = visitors
        #: `leave_message` calls per client IP (TWIN_MCP_MESSAGES_PER_HOUR).
        self._messages = messages
        self._tools = tools
        self._conversations = conversations

    async def ask(self, args: AskArgs, client_ip: str) -> Answer:
        """One turn through the chat engine. Raises what POST /chat answers with an error status."""
        exceeded = self._visitors.check(client_ip, args.conversation_id)
        if exceeded:
            raise RateLimited(*exceeded)
        turn = await self._engine.reply(args.question, args.conversation_id, client_ip=client_ip)
        if turn.held:
            return Answer(
                reply=HELD.format(owner=self.persona.name),
                conversation_id=turn.session_id,
                reply_number=None,
                owner_present=True,
            )
        return Answer(reply=turn.reply, conversation_id=turn.session_id, reply_number=turn.number)

    async def leave_message(self, args: MessageArgs, client_ip: str) -> MessageLeft:
        """Record the contact, tell the owner if it is new, keep the message as a new conversation.

        Raises: RateLimited, ValueError (not an email address), StoreError.
        """
        wait = self._messages.retry_after(client_ip)
        if wait is not None:
            raise RateLimited("messages for the owner from your address", wait)
        session_id = new_session_id()
        received = datetime.now(UTC)
        contact = ContactArgs(email=args.email, name=args.name, note=args.message)
        await self._tools.record_contact(contact, Visit(session_id, client_ip))
        # The visitor's name stays out of the twin's own words: those are shown to the owner as the
        # twin's (Markdown) and sent back to the model as what it said.
        confirmation = (
            f"Thank you. I passed your message on to {self.persona.name}, who will reply to the email "
            "address you left."
        )
        await self._conversations.append(
            session_id,
            (
                Message(role="user", content=args.message, timestamp=received),
                Message(role="assistant", content=confirmation, timestamp=datetime.now(UTC)),
            ),
            create=True,
        )
        return MessageLeft(conversation_id=session_id)

    def llms_txt(self, endpoint: str) -> str:
        """The published llms.txt, naming the MCP endpoint it was read through."""
        return llms_txt(self.persona, mcp_url=endpoint)

    def introduction(self, args: IntroduceArgs) -> str:
        """The "introduce the owner" prompt: the request, then the public profile to ground it."""
        audience = f" for {args.audience.strip()}" if args.audience.strip() else ""
        return (
            f"Introduce {self.persona.full_name}{audience} in a short paragraph: who they are, what they "
            "do now, what they did before and what they are looking for. Use only the profile below and "
            f"{self.persona.name}'s digital twin (the ask_twin tool); do not invent anything.\n\n"
            f"{llms_txt(self.persona)}"
        )


def profile_of(persona: Persona) -> Profile:
    """The structured public profile: the card's facts and the persona's positions, schools and lists."""
    facts = persona.facts
    links = [facts[key] for key in ("linkedin", "github", "website") if facts.get(key)]
    if persona.website and persona.website not in links:
        links.append(persona.website)
    return Profile(
        name=persona.name,
        full_name=persona.full_name,
        headline=persona.headline,
        location=facts.get("location", ""),
        links=[link if "://" in link else f"https://{link}" for link in links],
        suggested_questions=list(persona.suggested_questions),
        positions=[_position(s) for s in _of_kind(persona, "experience") if s.fields.get("title")],
        education=[_school(s) for s in _of_kind(persona, "education") if s.fields.get("school")],
        skills=_list(persona, "skills"),
        languages=_list(persona, "languages"),
        certifications=_list(persona, "certifications"),
    )


def _of_kind(persona: Persona, kind: str) -> list[Section]:
    return [s for s in persona.sections if s.kind == kind]


def _position(section: Section) -> Position:
    fields = section.fields
    _, _, description = section.text.partition("\n\n")
    return Position(
        title=fields["title"],
        company=fields.get("company", ""),
        start=fields.get("start", ""),
        end=fields.get("end", ""),
        location=fields.get("location", ""),
        description=description.strip(),
    )


def _school(section: Section) -> School:
    fields = section.fields
    return School(school=fields["school"], degree=fields.get("degree", ""), dates=fields.get("dates", ""))


def _list(persona: Persona, kind: str) -> list[str]:
    """The entries of a kind's list sections."""
    return [entry for section in _of_kind(persona, kind) for entry in section.entries()]
