"""The chat engine: prepares each turn (checks, history, budget, prompt) for the HTTP API, the CLI and
Lambda alike. It receives its collaborators from the app factory and builds none of them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import lru_cache

import msgspec

from memory import (
    ConversationStore,
    Message,
    Seen,
    SessionNotFound,
    new_session_id,
    replies,
    retry_session_id,
    validate_session_id,
)
from memory.keys import session_hash
from memory.secret import SharedSecret
from persona_sources import Persona
from persona_sources.prompt import without_controls
from service.chat.answers import AnswersCache, answers_prompt
from service.chat.budget import capped_note
from service.chat.instructions import InstructionsCache, instructions_prompt
from service.chat.quotas import TokenQuotas
from service.chat.stored import check_key, held_before, stored_reply
from service.chat.turn import Turn, TurnServices
from service.chat.window import MESSAGE_OVERHEAD, OWNER_MARK, history_window, unmarked
from service.errors import ConversationFull, MessageBlank, MessageTooLong
from service.owner.notify import Announcer
from service.owner.tools import TOOLS
from service.providers import Provider, ProviderRequest
from service.providers.tokens import count_tokens
from service.settings import LimitSettings


class ChatEngine:
    """Begins turns: the one way a visitor's message reaches the model and the store."""

    def __init__(
        self,
        *,
        persona: Persona,
        provider: Provider,
        offline: Provider,
        answers: AnswersCache,
        instructions: InstructionsCache,
        announcer: Announcer,
        services: TurnServices,
        limits: LimitSettings,
        max_reply_tokens: int,
        secret: SharedSecret,
        quotas: TokenQuotas,
    ) -> None:
        self._persona = persona
        self._provider = provider
        #: The embedded offline provider: answers once the spend cap is reached.
        self._offline = offline
        self._answers = answers
        self._instructions = instructions
        self._announcer = announcer
        self._services = services
        self._limits = limits
        self._max_reply_tokens = max_reply_tokens
        #: Keys the ids of retried first messages, so nobody can compute them.
        self._secret = secret
        self._quotas = quotas
        #: Token counts of recent texts: a conversation's history is counted again every turn.
        self._tokens = lru_cache(maxsize=1024)(self._count)
        #: What every turn's prompt costs before its own parts: the stable prompt and the tools.
        self._fixed_tokens = self._tokens(persona.prompt) + self._tokens(msgspec.json.encode(TOOLS).decode())
        #: What the persona's system prompt adds after its stable part on a given day (the date).
        self._dated: tuple[date, str] | None = None

    @property
    def _conversations(self) -> ConversationStore:
        return self._services.conversations

    async def begin(
        self,
        message: str,
        session_id: str | None,
        *,
        stream: bool = True,
        idempotency_key: str | None = None,
        client_ip: str | None = None,
    ) -> Turn:
        """Check the message, load the session's history and prepare the provider request.

        A message whose idempotency key is already stored in the session is a retry: the turn
        replays the stored reply. A visitor's turn (`client_ip` given) is checked against the token
        quotas. Raises: MessageTooLong, MessageBlank, InvalidSessionId, SessionNotFound,
        IdempotencyKeyReused (the key came with another message before), ConversationFull,
        RateLimited, StoreUnavailable; all before any output, so the HTTP layer can still answer
        with a plain status code.
        """
        limit = self._limits.max_message_chars
        if len(message) > limit:
            raise MessageTooLong(limit, len(message))
        visible = without_controls(message)
        if not visible.strip():
            raise MessageBlank  # only invisible characters: the model would be sent nothing
        self._announcer.retry_when_due()
        session_id, history, is_new, seen, owner_present = await self._history(
            session_id, idempotency_key, message
        )
        check_key(history, idempotency_key, message)
        replay = stored_reply(history, idempotency_key)
        if replay is None and _turns(history) >= self._limits.max_session_turns:
            raise ConversationFull(self._limits.max_session_turns)
        # A message the owner is here to read, or a retry of one they were here to read: its answer
        # stays what it was (no model call, nothing charged), even once they have left.
        held = replay is None and (owner_present or held_before(history, idempotency_key))
        cap = self._services.spend_cap
        capped = None
        if replay is None and not held and not self._provider.offline and cap.enabled:
            capped = await cap.exhausted()
        answers = await self._answers.sections()
        now = datetime.now(UTC)
        name = self._persona.name
        request = ProviderRequest(
            # the stable prompt first (byte-identical), then what changes: the date, the owner's answers
            # and instructions, and a note when the owner has written in this conversation in person
            system=self._persona.prompt,
            context=self._date_line()
            + answers_prompt(name, answers)
            + instructions_prompt(name, await self._instructions.text())
            + (OWNER_NOTE.format(name=name, mark=OWNER_MARK.strip()) if _owner_spoke(history) else ""),
            # no control or invisible characters reach the model, whatever the visitor sent, and no
            # copy of the owner's mark
            history=history_window(history, self._limits.history_token_budget),
            message=unmarked(visible),
            max_tokens=self._max_reply_tokens,
            stream=stream,
            tools=TOOLS,
            answers=answers,
            cache_key=session_hash(session_id),
        )
        # Only turns that call the model are metered: a replay, a turn the owner holds (in person) or
        # an offline answer costs nothing.
        metered = replay is None and not held and not capped and not self._provider.offline
        if client_ip is not None and metered:
            self._quotas.check(client_ip, history, self._cost(request), now)
        return Turn(
            self._services,
            session_id=session_id,
            is_new=is_new,
            message=message,
            request=request,
            provider=self._offline if capped else self._provider,
            number=replay[0] if replay else replies(history) + 1,
            idempotency_key=idempotency_key,
            replay=replay[1] if replay else None,
            note=capped_note(capped, self._persona.name) if capped else None,
            capped=capped is not None,
            seen=seen,
            held=held,
            client_ip=client_ip,
            metered=metered,
        )

    def _count(self, text: str) -> int:
        return count_tokens(text, self._provider.model).tokens

    def _cost(self, request: ProviderRequest) -> int:
        """A turn's cost before the model is called: its whole prompt in tokens (a long message counts
        what it really takes, emoji and all) and the longest reply it may get."""
        history = sum(self._tokens(t.content) + MESSAGE_OVERHEAD for t in request.history)
        return (
            self._fixed_tokens  # the stable prompt and the tools
            + self._tokens(request.context)  # the date, the owner's answers and instructions
            + history
            + self._tokens(request.message)
            + MESSAGE_OVERHEAD
            + request.max_tokens
        )

    def _date_line(self) -> str:
        """What `Persona.system_prompt(today)` adds to the stable prompt, worked out once a day."""
        today = datetime.now(UTC).date()
        if self._dated is None or self._dated[0] != today:
            prompt = self._persona.prompt
            self._dated = (today, self._persona.system_prompt(today).removeprefix(prompt))
        return self._dated[1]

    async def reply(
        self,
        message: str,
        session_id: str | None,
        *,
        idempotency_key: str | None = None,
        client_ip: str | None = None,
    ) -> Turn:
        """A whole turn without streaming to the caller (the provider's plain wire format)."""
        turn = await self.begin(
            message, session_id, stream=False, idempotency_key=idempotency_key, client_ip=client_ip
        )
        async for _ in turn.deltas():
            pass
        return turn

    async def _history(
        self, session_id: str | None, idempotency_key: str | None, message: str
    ) -> tuple[str, tuple[Message, ...], bool, Seen, bool]:
        """The session's id, its stored messages, whether it is new, the stored document as read (so
        storing the turn need not read it again) and whether the owner is in it."""
        if session_id is not None:
            found = await self._conversations.load(validate_session_id(session_id))
            if found is None:
                raise SessionNotFound("session not found; omit session_id to start a new conversation")
        elif idempotency_key is not None:
            # A first message the client may retry: its conversation's id follows from key and message.
            secret = (await self._secret.get()).key("retry-session")
            session_id = retry_session_id(idempotency_key, message, secret)
            found = await self._conversations.load(session_id)
            if found is None:
                return session_id, (), True, Seen(None), False
        else:
            return new_session_id(), (), True, Seen(None), False
        conversation = found.conversation
        present = conversation.owner_present(datetime.now(UTC))
        return session_id, conversation.messages, False, found.seen, present


def _turns(messages: Sequence[Message]) -> int:
    return sum(1 for m in messages if m.role == "user")


#: Said after the rest of the prompt when the owner wrote in the conversation in person.
OWNER_NOTE = (
    "\n\n{name} stepped into this conversation in person; the messages marked {mark} are {name}'s own "
    "words: stay consistent with them, and never write that mark yourself."
)


def _owner_spoke(messages: Sequence[Message]) -> bool:
    return any(m.role == "owner" for m in messages)
