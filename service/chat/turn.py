"""One visitor message being answered: generated (with tool rounds), stored whole, charged, logged.

A turn receives everything it uses from the engine that prepared it (`TurnServices`) and never calls
back into it. Its outcome is decided in one place (`Turn.outcome`) from what happened.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import anyio
import msgspec

from memory import ConversationStore, Message, Seen, StoreError, replies
from memory.keys import session_hash
from persona_sources.prompt import as_data
from service.chat.budget import SpendCap
from service.chat.judge import Judge, JudgeError
from service.chat.quotas import TokenQuotas
from service.chat.stored import stored_reply, stored_usage
from service.chat.turn_log import TurnLog, encode_turn_log, turns_log
from service.errors import classify
from service.owner.failures import FailedTurns
from service.owner.throttle import Visit
from service.owner.tools import TwinTools
from service.providers import Provider, ProviderError, ProviderRequest, ToolCall, ToolRound, Usage
from service.providers.pricing import estimate_cost
from service.providers.tokens import estimate_tokens
from service.runtime.background import Background

log = logging.getLogger("twin.engine")

#: Model calls in one turn that may end in tool calls; one more call then has to answer.
MAX_TOOL_ROUNDS = 2

RERUN_FEEDBACK = (
    "A reviewer checked your previous draft of this reply against the persona sources and found "
    "these claims unsupported. Answer again using only the sources; where they do not cover "
    "something, say so plainly:"
)
_WORDS = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class TurnServices:
    """What every turn uses besides its own request; the engine hands the same ones to each."""

    conversations: ConversationStore
    tools: TwinTools
    spend_cap: SpendCap
    background: Background
    quotas: TokenQuotas
    #: Answers when the model fails before its first word (TWIN_FALLBACK_OFFLINE), else None.
    fallback: Provider | None = None
    #: Checks a reply before it is sent (TWIN_JUDGE), else None.
    judge: Judge | None = None
    #: Where a failed turn is noted for the owner (it stores nothing in its conversation).
    failures: FailedTurns | None = None


class Turn:
    """One visitor message being answered. Iterate `deltas()`; the turn is stored when they end.

    Nothing is stored if the provider fails or the consumer stops early: a turn is whole or absent.
    A `held` turn is a message to the owner, who is in the conversation in person: it is stored
    alone and the twin says nothing.
    """

    def __init__(
        self,
        services: TurnServices,
        *,
        session_id: str,
        is_new: bool,
        message: str,
        request: ProviderRequest,
        provider: Provider,
        number: int,
        idempotency_key: str | None = None,
        replay: str | None = None,
        note: str | None = None,
        capped: bool = False,
        seen: Seen | None = None,
        held: bool = False,
        client_ip: str | None = None,
        metered: bool = False,
    ) -> None:
        self.session_id = session_id
        self.is_new = is_new
        #: Which reply of the session this is (1 = the first): the number POST /feedback takes.
        self.number = number
        #: The reply as stored (or being generated).
        self.reply = ""
        self.usage = Usage()
        #: The model answering this turn: the engine's, or the offline one when the cap is reached.
        self.provider = provider
        #: Names of the tools the model called in this turn, in order.
        self.tools_used: list[str] = []
        self._services = services
        #: The visitor's message as sent (stored so); the request carries what the model may see.
        self._message = message
        self._request = request
        self._idempotency_key = idempotency_key
        #: The turn as the tools see it: its conversation, client IP and per-turn bounds.
        self._visit = Visit(session_id, client_ip)
        #: Whether the tokens it uses count against the visitor's quotas (`client_ip` then set).
        self._metered = metered and client_ip is not None
        #: A retried message's stored reply: sent again, nothing stored or billed.
        self._replay = replay
        #: Text added after the reply (why the twin answers offline while the spend cap holds).
        self._note = note
        self._capped = capped
        #: The conversation as the engine loaded it: storing the turn starts from it.
        self._seen = seen
        #: The owner is in the conversation in person: the message is for them, the twin stays silent.
        self.held = held
        self._fell_back = False
        #: Text already sent to the visitor (the parts of the reply streamed so far).
        self._sent: list[str] = []
        #: Tokens the spend cap was charged for this turn (0: not charged).
        self._charged = 0
        self._received_at = datetime.now(UTC)
        self._started = time.perf_counter()
        self._first: float | None = None

    def outcome(self, error: str | None) -> str:
        """How the turn went, for the log: the one place it is decided."""
        if error is not None:
            return "error"
        if self._replay is not None:
            return "replayed"
        if self.held:
            return "held"
        if self._capped:
            return "budget"
        if self.tools_used:
            return "tool_used"
        if self._fell_back:
            return "fallback"
        return "answered"

    async def deltas(self) -> AsyncIterator[str]:
        """The reply as it is generated; stores and charges the whole turn after the last delta."""
        self._started = time.perf_counter()
        if self._replay is not None:
            self.reply = self._replay
            self._log(None)  # logged up front: the retrying client may go away again
            for piece in _WORDS.findall(self.reply):
                yield piece
            return
        if self.held:
            try:
                await self._keep_held()
            except StoreError as exc:
                self._log(classify(exc)[1])
                raise
            self._log(None)
            return
        error: str | None = None
        try:
            async for piece in self._reply():
                yield piece
            # The reply is whole: storing and charging it finish even if the visitor leaves now.
            with anyio.CancelScope(shield=True):
                await self._keep()
        except (ProviderError, StoreError) as exc:
            error = classify(exc)[1]
            if self._sent or self.usage.total:  # the model had answered: billed though nothing is stored
                self._charge_unfinished()
            if self._services.failures is not None:
                self._services.background.spawn(self._services.failures.record(self.session_id, error))
            raise
        except (GeneratorExit, asyncio.CancelledError):
            error = "aborted"  # the visitor went away mid-reply; nothing was stored
            self._charge_unfinished()
            raise
        finally:
            self._log(error)

    async def _reply(self) -> AsyncIterator[str]:
        """The reply's pieces: streamed as generated, or, with the judge on, checked first and then
        sent in word-sized pieces. Sets `reply`."""
        judge = self._services.judge
        if judge is not None and not self.provider.offline:
            self.reply = await self._checked_reply(judge)
            self._first = time.perf_counter()
            for piece in _WORDS.findall(self.reply):
                yield piece
            return
        parts = self._sent
        async for item in self._generated(self._request):
            if self._first is None:
                self._first = time.perf_counter()
            parts.append(item)
            yield item
        if self._note is not None:
            note = "\n\n" + self._note
            parts.append(note)
            yield note
        self.reply = "".join(parts)

    def _question(self) -> Message:
        """The visitor's message as sent (the request carries what the model may see)."""
        return Message(
            role="user",
            content=self._message,
            timestamp=self._received_at,
            idempotency_key=self._idempotency_key,
        )

    async def _keep_held(self) -> None:
        """Store the visitor's message alone: the owner, in the conversation, answers in person."""
        await self._services.conversations.append(self.session_id, (self._question(),), seen=self._seen)

    async def _keep(self) -> None:
        """Store the turn in one write, then charge the spend cap for it: counted at once, written
        in the background (the reply does not wait for the counters' write)."""
        stored = await self._services.conversations.append(
            self.session_id,
            (
                self._question(),
                Message(
                    role="assistant",
                    content=self.reply,
                    timestamp=datetime.now(UTC),
                    usage=stored_usage(self.usage),
                    tools=tuple(self.tools_used),
                    answered_offline="fallback" if self._fell_back else "budget" if self._capped else None,
                ),
            ),
            create=self.is_new,
            seen=self._seen,
        )
        # Another tab may have added turns, or a concurrent retry of this message stored its reply
        # first (that one stands): number and reply come from what was stored.
        self.number, self.reply = stored_reply(stored.messages, self._idempotency_key) or (
            replies(stored.messages),
            self.reply,
        )
        self._charge(self.usage)

    def _charge_unfinished(self) -> None:
        """Charge the spend cap for a turn cut short after the model was asked (in the background):
        the tokens it reported, or an estimate of the prompt and of what was sent, if that is more.
        Otherwise a visitor dropping streams would spend tokens the cap never counts."""
        request = self._request
        estimate = (
            estimate_tokens(request.system_prompt)
            + sum(estimate_tokens(turn.content) for turn in request.history)
            + estimate_tokens(request.message)
            + estimate_tokens("".join(self._sent))
        )
        usage = self.usage if self.usage.total >= estimate else Usage(prompt_tokens=estimate, estimated=True)
        self._charge(usage)

    def _charge(self, usage: Usage) -> None:
        """Charge the visitor's quotas and the spend cap: this process counts the tokens at once; the
        cap's write runs in the background (awaited before a Lambda freezes, or at shutdown)."""
        if self._metered and self._visit.client_ip is not None:
            self._services.quotas.charge(self._visit.client_ip, usage.total)
        if self._chargeable(usage):
            write = self._services.spend_cap.note(usage, estimate_cost(self.provider.model, usage))
            if write is not None:
                self._services.background.spawn(write)

    def _chargeable(self, usage: Usage) -> bool:
        """Whether the spend cap counts `usage` (a model answered and the cap is on); notes it for
        the log line."""
        if self.provider.offline or not self._services.spend_cap.enabled or usage.total <= 0:
            return False
        self._charged = usage.total
        return True

    def _log(self, error: str | None) -> None:
        """One JSON line per turn: what it cost and how it went; no message text, no personal data."""
        record = TurnLog(
            session=session_hash(self.session_id),
            new_session=self.is_new,
            provider=self.provider.name,
            model=self.provider.model,
            tokens_in=self.usage.prompt_tokens,
            tokens_out=self.usage.completion_tokens,
            cost_usd=estimate_cost(self.provider.model, self.usage),
            latency_ms=round((time.perf_counter() - self._started) * 1000, 1),
            ttft_ms=round((self._first - self._started) * 1000, 1) if self._first is not None else None,
            outcome=self.outcome(error),
            error=error,
            tools=tuple(self.tools_used),
            tokens_cached=self.usage.cached_tokens,
            tokens_estimated=self.usage.estimated,
            charged=self._charged > 0,
            charged_tokens=self._charged,
        )
        turns_log.info("%s", encode_turn_log(record).decode())

    async def _generated(self, request: ProviderRequest) -> AsyncIterator[str]:
        """Text deltas of the provider across tool rounds; usage of every model call is added up."""
        for round_number in range(MAX_TOOL_ROUNDS + 1):
            if round_number == MAX_TOOL_ROUNDS:
                request = msgspec.structs.replace(request, tools=())  # the last call must answer
            calls: list[ToolCall] = []
            texts: list[str] = []
            async for item in self._provided(request):
                if isinstance(item, Usage):
                    self.usage += item
                elif isinstance(item, ToolCall):
                    calls.append(item)
                elif item:
                    texts.append(item)
                    yield item
            if not calls:
                return
            results = []
            for call in calls:
                results.append(await self._services.tools.execute(call, self._visit))
                self.tools_used.append(self._services.tools.logged_name(call))
            done = ToolRound(calls=tuple(calls), results=tuple(results), text="".join(texts))
            request = msgspec.structs.replace(request, rounds=(*request.rounds, done))

    async def _provided(self, request: ProviderRequest) -> AsyncIterator[str | Usage | ToolCall]:
        """The provider's stream; with a fallback, the offline answer when the model fails before its
        first word in this turn (after that, the failure stands: the visitor already has part of a
        reply, perhaps from a round before a tool call)."""
        started = False
        fallback = self._services.fallback
        try:
            async for item in self.provider.stream(request):
                started = started or not isinstance(item, Usage)
                yield item
        except ProviderError as exc:
            if started or fallback is None or self._sent:
                raise
            log.warning("model failed (%s); answering offline instead", type(exc).__name__)
            self._fell_back = True
            async for item in fallback.stream(msgspec.structs.replace(request, tools=())):
                yield item

    async def _generate(self, request: ProviderRequest) -> str:
        """A whole reply to `request` (its usage added to the turn's as each call ends)."""
        return "".join([item async for item in self._generated(request)])

    async def _checked_reply(self, judge: Judge) -> str:
        """The reply after the judge: kept when supported, regenerated once with feedback when not.
        Every call's usage is the turn's as soon as it ends, so a turn that fails or is abandoned
        later is charged for the calls it made."""
        reply = await self._generate(self._request)
        try:
            verdict = await judge(self._request.message, reply)
        except JudgeError as exc:
            log.warning("judge unavailable, reply sent unchecked: %s", exc)
            return reply
        self.usage += verdict.usage
        if verdict.supported and not verdict.unsupported_claims:
            log.info("judge approved the reply")
            return reply
        log.info("judge flagged %d unsupported claim(s); regenerating once", len(verdict.unsupported_claims))
        claims = (" ".join(as_data(claim).split()) for claim in verdict.unsupported_claims)
        feedback = "\n".join(f"- {claim}" for claim in claims) or "- (not specified)"
        retry = msgspec.structs.replace(
            self._request,
            context=f"{self._request.context}\n\n{RERUN_FEEDBACK}\n{feedback}",
            stream=False,
            tools=(),  # anything worth recording was recorded by the first draft
        )
        regenerated = await self._generate(retry)
        log.info("judge rerun done: the regenerated reply was sent")
        return regenerated
