"""The chat engine: the one place a turn happens (history window, provider call, what gets stored)."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any

import anyio
import msgspec

from memory import (
    ConversationStore,
    Message,
    SessionNotFound,
    StoreError,
    Usage,
    new_session_id,
    retry_session_id,
    validate_session_id,
)
from memory.records import FileRecordStore, RecordStore
from persona_sources import Persona
from service.answers import AnswersCache, answers_prompt
from service.budget import Exhausted, SpendCap, capped_note
from service.errors import ConversationFull, MessageTooLong, classify
from service.notify import Notifier
from service.owner_loop import TOOLS, Contact, OwnerLoop, Question, session_hash
from service.pricing import estimate_cost
from service.providers import ChatTurn, Provider, ProviderError, ProviderRequest, ToolCall, ToolRound
from service.settings import Settings
from service.tokens import estimate_tokens

log = logging.getLogger("twin.engine")
#: One JSON object per turn (CloudWatch Logs Insights can query its fields).
turns_log = logging.getLogger("twin.turns")


class TurnLog(msgspec.Struct, frozen=True, kw_only=True):
    """The per-turn log line. Never add message text, emails or raw session ids here."""

    event: str = "turn"
    session: str
    new_session: bool
    provider: str
    model: str
    tokens_in: int
    tokens_out: int
    cost_usd: float | None
    latency_ms: float
    ttft_ms: float | None
    outcome: str
    error: str | None = None
    tools: tuple[str, ...] = ()


_encode_log = msgspec.json.Encoder().encode


def classify_error(exc: Exception) -> str:
    """The short error kind of a failed turn (`model_unavailable`, `memory_unavailable`, ...)."""
    return classify(exc)[1]


#: Model calls in one turn that may end in tool calls; one more call then has to answer.
MAX_TOOL_ROUNDS = 2


def history_window(messages: Sequence[Message], budget: int) -> tuple[ChatTurn, ...]:
    """The most recent whole turns whose estimated tokens fit `budget`, oldest first."""
    kept: list[ChatTurn] = []
    used = 0
    for message in reversed(messages):
        cost = estimate_tokens(message.content) + 4
        if used + cost > budget:
            break
        kept.append(ChatTurn(message.role, message.content))
        used += cost
    kept.reverse()
    while kept and kept[0].role != "user":
        kept.pop(0)
    return tuple(kept)


class Turn:
    """One visitor message being answered. Iterate `deltas()`; the turn is stored when they end.

    Nothing is stored if the provider fails or the consumer stops early: a turn is whole or absent.
    """

    def __init__(
        self,
        engine: ChatEngine,
        session_id: str,
        is_new: bool,
        request: ProviderRequest,
        *,
        provider: Provider,
        number: int,
        idempotency_key: str | None = None,
        replay: str | None = None,
        capped: Exhausted | None = None,
    ) -> None:
        self.session_id = session_id
        self.is_new = is_new
        self.reply = ""
        self.usage = Usage()
        #: answered, replayed (a retried message) or fallback (offline after a model failure); a turn
        #: answered offline because the spend cap is reached is logged as budget (`capped`).
        self.outcome = "answered"
        #: The model answering this turn: the engine's, or the offline one when the cap is reached.
        self.provider = provider
        #: Names of the tools the model called in this turn, in order.
        self.tools_used: list[str] = []
        self._engine = engine
        self._request = request
        self._idempotency_key = idempotency_key
        self._replay = replay
        self._capped = capped
        #: Which reply of the session this is (1 = the first): the number POST /feedback takes.
        self.number = number
        #: Text already sent to the visitor (the parts of the reply streamed so far).
        self._sent: list[str] = []
        self._received_at = datetime.now(UTC)

    async def deltas(self) -> AsyncIterator[str]:
        """The reply as it is generated; stores the whole turn after the last delta.

        Tool calls of the model (recording a contact or an unanswered question) are executed
        between model calls, at most `MAX_TOOL_ROUNDS` rounds; the last call offers no tools, so
        the turn always ends in a normal reply.
        With the judge on, nothing is sent until the whole reply has been checked (and perhaps
        regenerated); the checked reply then follows in word-sized deltas.
        """
        started = time.perf_counter()
        first: float | None = None
        error: str | None = None
        if self._replay is not None:  # a retried message: the stored reply, nothing stored or billed
            self.reply, self.outcome = self._replay, "replayed"
            self._log(started, started, None)  # logged up front: the retrying client may go away again
            for piece in _WORDS.findall(self.reply):
                yield piece
            return
        try:
            if self._engine.settings.judge_replies and not self.provider.offline:
                self.reply, self.usage = await self._checked_reply()
                first = time.perf_counter()
                for piece in _WORDS.findall(self.reply):
                    yield piece
            else:
                parts = self._sent
                async for item in self._generated(self._request):
                    if first is None:
                        first = time.perf_counter()
                    parts.append(item)
                    yield item
                if self._capped is not None:
                    note = "\n\n" + capped_note(self._capped, self._engine.persona.name)
                    parts.append(note)
                    yield note
                self.reply = "".join(parts)
            # The reply is whole: storing and charging it finish even if the visitor leaves now.
            with anyio.CancelScope(shield=True):
                stored = await self._engine.store.append(
                    self.session_id,
                    (
                        Message(
                            role="user",
                            content=self._request.message,
                            timestamp=self._received_at,
                            idempotency_key=self._idempotency_key,
                        ),
                        Message(
                            role="assistant",
                            content=self.reply,
                            timestamp=datetime.now(UTC),
                            usage=self.usage,
                        ),
                    ),
                    create=self.is_new,
                )
                # Another tab may have added turns, or a concurrent retry of this message stored its
                # reply first (that one stands): number and reply come from what was stored.
                self.number, self.reply = _stored_reply(stored.messages, self._idempotency_key) or (
                    _replies(stored.messages),
                    self.reply,
                )
                await self._engine.spend_cap.charge(
                    self.usage, estimate_cost(self.provider.model, self.usage)
                )
        except (ProviderError, StoreError) as exc:
            error = classify_error(exc)
            if self._sent:  # the model had started: its tokens are billed though nothing is stored
                self._charge_unfinished()
            raise
        except (GeneratorExit, asyncio.CancelledError):
            error = "aborted"  # the visitor went away mid-reply; nothing was stored
            self._charge_unfinished()
            raise
        finally:
            self._log(started, first, error)

    def _charge_unfinished(self) -> None:
        """Charge the spend cap for a turn cut short after the model was asked (in the background):
        the tokens it reported, or an estimate of the prompt and of what was sent, if that is more.
        Otherwise a visitor dropping streams would spend tokens the cap never counts."""
        if self.provider.offline:
            return
        request = self._request
        estimate = (
            estimate_tokens(request.system)
            + sum(estimate_tokens(turn.content) for turn in request.history)
            + estimate_tokens(request.message)
            + estimate_tokens("".join(self._sent))
        )
        reported = self.usage.prompt_tokens + self.usage.completion_tokens
        usage = self.usage if reported >= estimate else Usage(prompt_tokens=estimate)
        self._engine.spawn(self._engine.spend_cap.charge(usage, estimate_cost(self.provider.model, usage)))

    def _log(self, started: float, first: float | None, error: str | None) -> None:
        """One JSON line per turn: what it cost and how it went; no message text, no personal data."""
        engine = self._engine
        if error is not None:
            outcome = "error"
        elif self._capped is not None:
            outcome = "budget"
        elif self.tools_used:
            outcome = "tool_used"
        elif self.outcome == "fallback" or (
            self.provider.offline and engine.settings.provider_name != "offline"
        ):
            outcome = "fallback"
        else:
            outcome = self.outcome
        record = TurnLog(
            session=session_hash(self.session_id),
            new_session=self.is_new,
            provider=self.provider.name,
            model=self.provider.model,
            tokens_in=self.usage.prompt_tokens,
            tokens_out=self.usage.completion_tokens,
            cost_usd=estimate_cost(self.provider.model, self.usage),
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
            ttft_ms=round((first - started) * 1000, 1) if first is not None else None,
            outcome=outcome,
            error=error,
            tools=tuple(self.tools_used),
        )
        turns_log.info("%s", _encode_log(record).decode())

    async def _generated(self, request: ProviderRequest) -> AsyncIterator[str]:
        """Text deltas of the provider across tool rounds; usage of every model call is added up."""
        for round_number in range(MAX_TOOL_ROUNDS + 1):
            if round_number == MAX_TOOL_ROUNDS:
                request = msgspec.structs.replace(request, tools=())  # the last call must answer
            calls: list[ToolCall] = []
            texts: list[str] = []
            async for item in self._provided(request):
                if isinstance(item, Usage):
                    self.usage = _add(self.usage, item)
                elif isinstance(item, ToolCall):
                    calls.append(item)
                elif item:
                    texts.append(item)
                    yield item
            if not calls:
                return
            results = []
            for call in calls:
                result, recorded = await self._engine.owner.execute(call, self.session_id)
                self.tools_used.append(call.name)
                results.append(result)
                if recorded is not None:
                    await self._engine.notify_owner(recorded, self.session_id)
            done = ToolRound(calls=tuple(calls), results=tuple(results), text="".join(texts))
            request = msgspec.structs.replace(request, rounds=(*request.rounds, done))

    async def _provided(self, request: ProviderRequest) -> AsyncIterator[str | Usage | ToolCall]:
        """The provider's stream; with TWIN_FALLBACK_OFFLINE, the offline answer when the model fails
        before its first word (after that, the failure stands: the visitor already has part of a reply).
        """
        started = False
        try:
            async for item in self.provider.stream(request):
                started = started or not isinstance(item, Usage)
                yield item
        except ProviderError as exc:
            if started or self._engine.fallback is None:
                raise
            log.warning("model failed (%s); answering offline instead", type(exc).__name__)
            self.outcome = "fallback"
            async for item in self._engine.fallback.stream(msgspec.structs.replace(request, tools=())):
                yield item

    async def _generate(self, request: ProviderRequest) -> tuple[str, Usage]:
        before = self.usage
        self.usage = Usage()
        parts = [item async for item in self._generated(request)]
        usage, self.usage = self.usage, before
        return "".join(parts), usage

    async def _checked_reply(self) -> tuple[str, Usage]:
        """The reply after the judge: kept when supported, regenerated once with feedback when not."""
        from service.evals.judge import JudgeError, judge_reply

        engine = self._engine
        reply, usage = await self._generate(self._request)
        try:
            verdict = await judge_reply(self.provider, engine.persona, self._request.message, reply)
        except JudgeError as exc:
            log.warning("judge unavailable, reply sent unchecked: %s", exc)
            return reply, usage
        usage = _add(usage, verdict.usage)
        if verdict.supported and not verdict.unsupported_claims:
            log.info("judge approved the reply")
            return reply, usage
        log.info("judge flagged %d unsupported claim(s); regenerating once", len(verdict.unsupported_claims))
        feedback = "\n".join(f"- {claim}" for claim in verdict.unsupported_claims) or "- (not specified)"
        retry = msgspec.structs.replace(
            self._request,
            system=f"{self._request.system}\n\n{RERUN_FEEDBACK}\n{feedback}",
            stream=False,
            tools=(),  # anything worth recording was recorded by the first draft
        )
        regenerated, more = await self._generate(retry)
        log.info("judge rerun done: the regenerated reply was sent")
        return regenerated, _add(usage, more)


RERUN_FEEDBACK = (
    "A reviewer checked your previous draft of this reply against the persona sources and found "
    "these claims unsupported. Answer again using only the sources; where they do not cover "
    "something, say so plainly:"
)
_WORDS = re.compile(r"\S+\s*|\s+")


def _add(a: Usage, b: Usage) -> Usage:
    return Usage(
        prompt_tokens=a.prompt_tokens + b.prompt_tokens,
        completion_tokens=a.completion_tokens + b.completion_tokens,
    )


def _turns(messages: Sequence[Message]) -> int:
    return sum(1 for m in messages if m.role == "user")


def _replies(messages: Sequence[Message]) -> int:
    return sum(1 for m in messages if m.role == "assistant")


def _stored_reply(messages: Sequence[Message], key: str | None) -> tuple[int, str] | None:
    """The number and text of the reply stored after the user message carrying `key`, if that message
    was already answered."""
    if key is None:
        return None
    for index, message in enumerate(messages[:-1]):
        if message.role == "user" and message.idempotency_key == key:
            return _replies(messages[: index + 2]), messages[index + 1].content
    return None


class ChatEngine:
    """Owns a turn end to end; the HTTP controllers, the CLI and Lambda all go through it."""

    def __init__(
        self,
        settings: Settings,
        persona: Persona,
        provider: Provider,
        store: ConversationStore,
        *,
        records: RecordStore | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        self.settings = settings
        self.persona = persona
        self.provider = provider
        self.store = store
        #: Small JSON documents beside the conversations (owner's loop, budgets).
        self.records = records if records is not None else FileRecordStore(settings.records_dir)
        #: Contacts, questions, answers and feedback in the records store.
        self.owner = OwnerLoop(self.records)
        #: The owner's answers, refreshed from the records store every `answers_refresh_seconds`.
        self.answers = AnswersCache(self.owner, settings.answers_refresh_seconds)
        self.notifier = notifier if notifier is not None else Notifier(self.records, [])
        self._background: set[asyncio.Task[Any]] = set()
        self._last_retry = time.monotonic()

        #: Daily and monthly token budgets across all visitors, counted in the records store.
        self.spend_cap = SpendCap(
            self.records,
            daily_tokens=settings.daily_token_budget,
            monthly_tokens=settings.monthly_token_budget,
        )
        #: The embedded offline provider beside a model: for fallback and once the cap is reached.
        self.offline: Provider = provider
        if not provider.offline:
            from service.providers.offline import OfflineProvider

            self.offline = OfflineProvider(persona)
        #: Answers when the model fails before its first word (TWIN_FALLBACK_OFFLINE), else None.
        self.fallback: Provider | None = self.offline if settings.fallback_offline else None

    async def notify_owner(self, recorded: Contact | Question, session_id: str) -> None:
        """Tell the owner about a new contact or question: queued now, delivered in the background."""
        if not self.notifier.enabled:
            return
        if isinstance(recorded, Contact):
            lines = [f"Email: {recorded.email}"]
            lines += [f"Name: {recorded.name}"] if recorded.name else []
            lines += [f"Note: {recorded.note}"] if recorded.note else []
            lines.append(f"Conversation: twin conversations show {session_id}")
            notification = self.notifier.new(
                "contact", "twin: a visitor wants to get in touch", "\n".join(lines)
            )
        else:
            text = f'{recorded.question}\n\nAnswer it: twin questions answer {recorded.id} "..."'
            notification = self.notifier.new("question", "twin: a question I could not answer", text)
        if await self.notifier.enqueue(notification):
            self.spawn(self.notifier.deliver(notification))
        else:
            self.spawn(self.notifier.submit(notification))

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run `work` after the current turn's reply, keeping a reference until it is done."""
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self) -> None:
        """Wait for background work (notifications) to finish: at shutdown, and in tests."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    async def settle(self, within: float | None = None) -> None:
        """Let background work (notifications, charges) finish, for at most twice the notification
        timeout or `within` seconds (the outbox keeps what is cut off): at shutdown, and on Lambda
        before the container is frozen."""
        limit = self.settings.notify_timeout_seconds * 2
        with anyio.move_on_after(limit if within is None else max(0.0, min(limit, within))):
            await self.drain()

    async def close(self) -> None:
        """Settle background work, then release the provider and the stores."""
        await self.settle()
        await self.provider.close()
        await self.store.close()
        await self.records.close()

    def _maybe_retry_notifications(self) -> None:
        interval = self.settings.notify_retry_seconds
        if not self.notifier.enabled or time.monotonic() - self._last_retry < interval:
            return
        self._last_retry = time.monotonic()
        self.spawn(self._retry_notifications())

    async def _retry_notifications(self) -> None:
        try:
            delivered, failed = await self.notifier.retry_pending()
        except StoreError as exc:
            log.warning("notification retry skipped: %s", type(exc).__name__)
            return
        if delivered or failed:
            log.info("notification retry: %d delivered, %d still pending", delivered, failed)

    async def begin(
        self,
        message: str,
        session_id: str | None,
        *,
        stream: bool = True,
        idempotency_key: str | None = None,
    ) -> Turn:
        """Check the message, load the session's history and prepare the provider request.

        A message whose idempotency key is already stored in the session is a retry: the turn
        replays the stored reply. Raises: MessageTooLong, InvalidSessionId, SessionNotFound,
        ConversationFull, StoreUnavailable; all before any output, so the HTTP layer can still
        answer with a plain status code.
        """
        limit = self.settings.max_message_chars
        if len(message) > limit:
            raise MessageTooLong(limit, len(message))
        self._maybe_retry_notifications()
        history: tuple[Message, ...] = ()
        if session_id is not None:
            found = await self.store.load(validate_session_id(session_id))
            if found is None:
                raise SessionNotFound("session not found; omit session_id to start a new conversation")
            history, is_new = found.conversation.messages, False
        elif idempotency_key is not None:
            # A first message the client may retry: its conversation's id follows from key and message.
            session_id = retry_session_id(idempotency_key, message)
            found = await self.store.load(session_id)
            history, is_new = (found.conversation.messages, False) if found else ((), True)
        else:
            session_id, is_new = new_session_id(), True
        replay = _stored_reply(history, idempotency_key)
        if replay is None and _turns(history) >= self.settings.max_session_turns:
            raise ConversationFull(self.settings.max_session_turns)
        capped = None
        if replay is None and not self.provider.offline and self.spend_cap.enabled:
            capped = await self.spend_cap.exhausted()
        answers = await self.answers.sections()
        request = ProviderRequest(
            # the stable prompt first (byte-identical), then the date, then the owner's answers
            system=self.persona.system_prompt(datetime.now(UTC).date())
            + answers_prompt(self.persona.name, answers),
            history=history_window(history, self.settings.history_token_budget),
            message=message,
            max_tokens=self.settings.max_reply_tokens,
            stream=stream,
            tools=TOOLS,
            answers=answers,
        )
        return Turn(
            self,
            session_id,
            is_new,
            request,
            provider=self.offline if capped else self.provider,
            number=replay[0] if replay else _replies(history) + 1,
            idempotency_key=idempotency_key,
            replay=replay[1] if replay else None,
            capped=capped,
        )

    async def reply(
        self, message: str, session_id: str | None, *, idempotency_key: str | None = None
    ) -> Turn:
        """A whole turn without streaming to the caller (the provider's plain wire format)."""
        turn = await self.begin(message, session_id, stream=False, idempotency_key=idempotency_key)
        async for _ in turn.deltas():
            pass
        return turn
