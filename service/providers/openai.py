"""Any Chat Completions-compatible endpoint through the official `openai` client: OpenAI, Anthropic,
Gemini, Bedrock, Ollama, vLLM, ... (a profile says where each lives and what it honours).

The client does what it is good at: auth (a fixed key or one minted per expiry), timeouts, bounded
retries honouring Retry-After, typed errors and reading server-sent events. The request body is built
here as plain data and sent as JSON bytes through the client's low-level `post`, so no per-call
parameter transform walks the messages and tool schemas; replies are decoded into msgspec Structs.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import httpx2
import msgspec
import openai
from openai import AsyncOpenAI, AsyncStream

from service.providers import wire
from service.providers.base import (
    ProviderError,
    ProviderRateLimited,
    ProviderRequest,
    ProviderTimeout,
    ProviderUnavailable,
    StreamItem,
    ToolCall,
    ToolSpec,
    wait_seconds,
)
from service.providers.profiles import Profile
from service.providers.tokens import estimate_tokens
from service.providers.tool_calls import ToolCallAccumulator
from service.providers.usage import Usage
from service.settings import ModelSettings

#: A fixed key, or an async callable the client asks before each request (minted Bedrock keys).
ApiKey = str | Callable[[], Awaitable[str]]

_PATH = "/chat/completions"
UNREACHABLE = "the model service cannot be reached right now; please try again"
EMPTY = "the model service sent an empty reply; please try again"
OVERDUE = "the model took too long to answer; please try again"
#: Characters a reply may have per token it may use: four times the usual (about four characters a
#: token) is room for any real reply, and a bound for an upstream that ignores `max_tokens`.
CHARS_PER_TOKEN_BOUND = 16
#: A lone surrogate: JSON's escapes can carry one, UTF-8 cannot encode it.
_SURROGATE = re.compile("[\ud800-\udfff]")


class OpenAICompatibleProvider:
    """Streams chat completions; the client's timeout and bounded retries apply to every call."""

    offline = False

    def __init__(
        self, settings: ModelSettings, profile: Profile, *, api_key: ApiKey, base_url: str | None
    ) -> None:
        self.name: str = profile.name
        self.model = settings.name
        self._capabilities = profile.capabilities
        temperature = settings.temperature
        self._temperature = (
            None if temperature is None else min(temperature, profile.capabilities.max_temperature)
        )
        self._aiohttp = settings.uses_aiohttp
        self._deadline = settings.deadline_seconds
        self._client = AsyncOpenAI(
            api_key=api_key,
            base_url=base_url,
            timeout=openai.Timeout(settings.timeout_seconds, connect=min(10.0, settings.timeout_seconds)),
            max_retries=settings.max_retries,
            # A redirect would take the prompt to another host, which no one chose: it fails the call.
            http_client=(openai.DefaultAioHttpClient if self._aiohttp else openai.DefaultAsyncHttpxClient)(
                follow_redirects=False
            ),
        )
        #: The encoded system message and the text it was encoded from (it changes once a day).
        self._system: tuple[str, msgspec.Raw] = ("", wire.system_message(""))
        #: The encoded tools and the specs they came from (the same tuple on every turn).
        self._tools: tuple[Sequence[ToolSpec], msgspec.Raw] | None = None

    async def close(self) -> None:
        await self._client.close()

    async def stream(self, request: ProviderRequest) -> AsyncIterator[StreamItem]:
        body = self.body(request)
        try:
            if request.stream:
                async for item in self._streamed(body, request):
                    yield item
            else:
                async for item in self._plain(body, request):
                    yield item
        except ProviderError:
            raise
        except TimeoutError:
            raise ProviderTimeout(OVERDUE) from None
        except openai.APITimeoutError as exc:
            if self._aiohttp and not _timed_out(exc):
                raise ProviderUnavailable(UNREACHABLE) from None
            raise ProviderTimeout(OVERDUE) from None
        except openai.RateLimitError as exc:
            raise ProviderRateLimited(
                "the model is busy right now; please try again shortly", _retry_after(exc.response)
            ) from None
        except openai.APIStatusError as exc:
            raise ProviderUnavailable(
                f"the model service failed (HTTP {exc.status_code}); please try again"
            ) from None
        except openai.APIConnectionError:
            raise ProviderUnavailable(UNREACHABLE) from None
        except (openai.APIError, msgspec.DecodeError, msgspec.ValidationError, ValueError, OSError):
            raise ProviderUnavailable(
                "the model service sent an unreadable reply; please try again"
            ) from None

    def body(self, request: ProviderRequest) -> bytes:
        """The JSON request body for `request`, shaped by the profile's capabilities."""
        capabilities = self._capabilities
        tools = self._tools_json(request.tools) if request.tools else None
        return wire.encode(
            wire.Body(
                model=self.model,
                messages=[
                    self._system_json(request.system_prompt),
                    *wire.conversation(
                        request.history, request.message, request.rounds, capabilities.tool_call_extras
                    ),
                ],
                max_tokens=request.max_tokens,
                stream=request.stream,
                stream_options=wire.StreamOptions() if request.stream and capabilities.stream_usage else None,
                tools=tools,
                # A strict provider's schema guarantee holds for one call per reply only.
                parallel_tool_calls=(
                    not capabilities.strict_tools
                    if tools is not None and capabilities.parallel_tool_calls
                    else None
                ),
                temperature=self._temperature,
                prompt_cache_key=request.cache_key if capabilities.prompt_cache_key else None,
            )
        )

    def _system_json(self, text: str) -> msgspec.Raw:
        if self._system[0] != text:
            self._system = (text, wire.system_message(text))
        return self._system[1]

    def _tools_json(self, tools: Sequence[ToolSpec]) -> msgspec.Raw:
        if self._tools is None or self._tools[0] is not tools:
            self._tools = (tools, wire.tools_json(tools, strict=self._capabilities.strict_tools))
        return self._tools[1]

    async def _plain(self, body: bytes, request: ProviderRequest) -> AsyncIterator[StreamItem]:
        async with asyncio.timeout(self._deadline):
            response = await self._client.post(_PATH, cast_to=httpx2.Response, content=body)
        completion = wire.decode_completion(response.content)
        if not completion.choices:
            raise ProviderUnavailable(EMPTY)
        message = completion.choices[0].message
        text = (message.content or "")[: request.max_tokens * CHARS_PER_TOKEN_BOUND]
        calls = ToolCallAccumulator()
        calls.add(message.tool_calls or [])
        found = calls.calls()
        if _empty(text, found, request):
            raise ProviderUnavailable(EMPTY)
        if text:
            yield text
        for call in found:
            yield call
        yield _usage(completion.usage, request, text, found)

    async def _streamed(self, body: bytes, request: ProviderRequest) -> AsyncIterator[StreamItem]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._deadline
        async with asyncio.timeout_at(deadline):
            stream = await self._client.post(
                _PATH, cast_to=object, content=body, stream=True, stream_cls=AsyncStream[object]
            )
        parts: list[str] = []
        room = request.max_tokens * CHARS_PER_TOKEN_BOUND
        usage: wire.WireUsage | None = None
        finished = False
        calls = ToolCallAccumulator()
        async with stream:
            async for data in stream:
                if room <= 0:  # far past `max_tokens`: what came is the reply, as if cut at it
                    finished, usage = True, None
                    break
                if loop.time() > deadline:  # each read is timed by the client; this bounds them all
                    raise ProviderTimeout(OVERDUE)
                chunk = wire.chunk_of(data)
                if chunk.usage is not None:
                    usage = chunk.usage
                for choice in chunk.choices:
                    delta = choice.delta
                    if delta.content and room > 0:
                        text = _SURROGATE.sub("\ufffd", delta.content[:room])  # unencodable: nothing sends it
                        room -= len(text)
                        parts.append(text)
                        yield text
                    if delta.tool_calls:
                        calls.add(delta.tool_calls)
                    if choice.finish_reason:
                        finished = True
        if not finished:
            raise ProviderUnavailable("the model's reply was cut off; please try again")
        found = calls.calls()
        text = "".join(parts)
        if _empty(text, found, request):
            raise ProviderUnavailable(EMPTY)
        for call in found:
            yield call
        yield _usage(usage, request, text, found)


def _empty(text: str, calls: Sequence[ToolCall], request: ProviderRequest) -> bool:
    """Whether the visitor would get no reply at all: no text and no tool call now, and none in the
    turn's earlier rounds (after a tool call, the text before it may be the whole reply)."""
    return not text.strip() and not calls and not any(round_.text.strip() for round_ in request.rounds)


def _timed_out(exc: BaseException) -> bool:
    """Whether what the aiohttp transport reports as a timeout was one: it reports every failed
    connect, and a server that closed without replying, as a connect timeout, but behind its real
    timeouts is a TimeoutError."""
    cause = exc.__cause__
    while cause is not None:
        if isinstance(cause, TimeoutError):
            return True
        cause = cause.__cause__
    return False


def _usage(
    reported: wire.WireUsage | None, request: ProviderRequest, text: str, calls: Sequence[ToolCall] = ()
) -> Usage:
    """The upstream's usage (with its cached prompt tokens), or an estimate marked as one when a
    provider does not report it."""
    if reported is not None and reported.prompt_tokens is not None:
        details = reported.prompt_tokens_details
        return Usage(
            prompt_tokens=reported.prompt_tokens,
            completion_tokens=reported.completion_tokens or 0,
            cached_tokens=(details.cached_tokens or 0) if details is not None else 0,
        )
    prompt = (
        estimate_tokens(request.system_prompt)
        + sum(estimate_tokens(turn.content) for turn in request.history)
        + estimate_tokens(request.message)
        + sum(
            estimate_tokens(round_.text)
            + sum(estimate_tokens(c.arguments) for c in round_.calls)
            + sum(estimate_tokens(r.content) for r in round_.results)
            for round_ in request.rounds
        )
    )
    completion = estimate_tokens(text) + sum(estimate_tokens(call.arguments) for call in calls)
    return Usage(prompt_tokens=prompt, completion_tokens=completion, estimated=True)


def _retry_after(response: Any) -> float | None:
    return wait_seconds(response.headers.get("retry-after"))
