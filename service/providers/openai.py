"""Any OpenAI-compatible endpoint through the official `openai` client (OpenAI, Ollama, vLLM, ...)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import openai
from openai import AsyncOpenAI

from service.providers.base import (
    ProviderError,
    ProviderRateLimited,
    ProviderRequest,
    ProviderTimeout,
    ProviderUnavailable,
    StreamItem,
    ToolCall,
    wait_seconds,
)
from service.providers.tokens import estimate_tokens
from service.providers.usage import Usage
from service.settings import ModelSettings


class OpenAIProvider:
    """Streams chat completions; the client's timeout and bounded retries apply to every call."""

    name = "openai"
    offline = False

    def __init__(self, settings: ModelSettings) -> None:
        self.model = settings.name
        self._client = AsyncOpenAI(
            api_key=settings.api_key or "not-needed",
            base_url=settings.base_url,
            timeout=openai.Timeout(settings.timeout_seconds, connect=min(10.0, settings.timeout_seconds)),
            max_retries=settings.max_retries,
        )

    async def close(self) -> None:
        await self._client.close()

    async def stream(self, request: ProviderRequest) -> AsyncIterator[StreamItem]:
        messages = _messages(request)
        try:
            if request.stream:
                async for item in self._streamed(messages, request):
                    yield item
            else:
                async for item in self._plain(messages, request):
                    yield item
        except ProviderError:
            raise
        except openai.APITimeoutError:
            raise ProviderTimeout("the model took too long to answer; please try again") from None
        except openai.RateLimitError as exc:
            raise ProviderRateLimited(
                "the model is busy right now; please try again shortly", _retry_after(exc.response)
            ) from None
        except openai.APIStatusError as exc:
            raise ProviderUnavailable(
                f"the model service failed (HTTP {exc.status_code}); please try again"
            ) from None
        except (openai.APIError, json.JSONDecodeError, ValueError, OSError):
            raise ProviderUnavailable(
                "the model service sent an unreadable reply; please try again"
            ) from None

    async def _plain(self, messages: list[Any], request: ProviderRequest) -> AsyncIterator[StreamItem]:
        completion = await self._client.chat.completions.create(
            model=self.model, messages=messages, max_tokens=request.max_tokens, **_tools(request)
        )
        if not completion.choices:
            raise ProviderUnavailable("the model service sent an empty reply; please try again")
        message = completion.choices[0].message
        text = message.content or ""
        if text:
            yield text
        for call in message.tool_calls or ():
            function = getattr(call, "function", None)
            if function is not None:
                yield ToolCall(id=call.id, name=function.name, arguments=function.arguments or "")
        yield _usage(completion.usage, messages, text)

    async def _streamed(self, messages: list[Any], request: ProviderRequest) -> AsyncIterator[StreamItem]:
        stream = await self._client.chat.completions.create(
            model=self.model,
            messages=messages,
            max_tokens=request.max_tokens,
            stream=True,
            stream_options={"include_usage": True},
            **_tools(request),
        )
        parts: list[str] = []
        usage = None
        finished = False
        # Streamed tool calls arrive as an id and name, then their arguments in fragments, by index.
        calls: dict[int, dict[str, str]] = {}
        async with stream:
            async for chunk in stream:
                if chunk.usage is not None:
                    usage = chunk.usage
                for choice in chunk.choices:
                    if choice.delta.content:
                        parts.append(choice.delta.content)
                        yield choice.delta.content
                    for fragment in choice.delta.tool_calls or ():
                        call = calls.setdefault(fragment.index, {"id": "", "name": "", "arguments": ""})
                        call["id"] = fragment.id or call["id"]
                        if fragment.function is not None:
                            call["name"] = fragment.function.name or call["name"]
                            call["arguments"] += fragment.function.arguments or ""
                    if choice.finish_reason:
                        finished = True
        if not finished:
            raise ProviderUnavailable("the model's reply was cut off; please try again")
        for index in sorted(calls):
            call = calls[index]
            yield ToolCall(id=call["id"] or f"call_{index}", name=call["name"], arguments=call["arguments"])
        yield _usage(usage, messages, "".join(parts))


def _messages(request: ProviderRequest) -> list[Any]:
    """System prompt, history, the visitor's message, then this turn's tool rounds in wire form."""
    messages: list[Any] = [{"role": "system", "content": request.system}]
    messages += [{"role": t.role, "content": t.content} for t in request.history]
    messages.append({"role": "user", "content": request.message})
    for round_ in request.rounds:
        messages.append(
            {
                "role": "assistant",
                "content": round_.text or None,
                "tool_calls": [
                    {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                    for c in round_.calls
                ],
            }
        )
        messages += [
            {"role": "tool", "tool_call_id": r.call_id, "content": r.content} for r in round_.results
        ]
    return messages


def _tools(request: ProviderRequest) -> dict[str, Any]:
    """The `tools` argument when tools are offered; absent otherwise (servers without tools still work)."""
    if not request.tools:
        return {}
    return {
        "tools": [
            {
                "type": "function",
                "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
            }
            for t in request.tools
        ]
    }


def _usage(reported: Any, messages: list[Any], text: str) -> Usage:
    """The upstream's usage, or an estimate when a compatible server does not report it."""
    if reported is not None:
        return Usage(
            prompt_tokens=reported.prompt_tokens or 0, completion_tokens=reported.completion_tokens or 0
        )
    prompt = sum(estimate_tokens(str(m["content"] or "")) for m in messages)
    return Usage(prompt_tokens=prompt, completion_tokens=estimate_tokens(text))


def _retry_after(response: Any) -> float | None:
    return wait_seconds(response.headers.get("retry-after"))
