"""Any OpenAI-compatible endpoint through the official `openai` client (OpenAI, Ollama, vLLM, ...)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import openai
from openai import AsyncOpenAI

from memory import Usage
from service.providers.base import (
    ProviderError,
    ProviderRateLimited,
    ProviderRequest,
    ProviderTimeout,
    ProviderUnavailable,
)
from service.settings import Settings
from service.tokens import estimate_tokens


class OpenAIProvider:
    """Streams chat completions; the client's timeout and bounded retries apply to every call."""

    name = "openai"
    offline = False

    def __init__(self, settings: Settings) -> None:
        self.model = settings.model
        self._client = AsyncOpenAI(
            api_key=settings.openai_api_key or "not-needed",
            base_url=settings.openai_base_url,
            timeout=openai.Timeout(
                settings.llm_timeout_seconds, connect=min(10.0, settings.llm_timeout_seconds)
            ),
            max_retries=settings.llm_max_retries,
        )

    async def close(self) -> None:
        await self._client.close()

    async def stream(self, request: ProviderRequest) -> AsyncIterator[str | Usage]:
        messages: list[Any] = [{"role": "system", "content": request.system}]
        messages += [{"role": t.role, "content": t.content} for t in request.history]
        messages.append({"role": "user", "content": request.message})
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

    async def _plain(self, messages: list[Any], request: ProviderRequest) -> AsyncIterator[str | Usage]:
        completion = await self._client.chat.completions.create(
            model=self.model, messages=messages, max_tokens=request.max_tokens
        )
        if not completion.choices:
            raise ProviderUnavailable("the model service sent an empty reply; please try again")
        text = completion.choices[0].message.content or ""
        yield text
        yield _usage(completion.usage, messages, text)

    async def _streamed(self, messages: list[Any], request: ProviderRequest) -> AsyncIterator[str | Usage]:
        stream = await self._client.chat.completions.create(
            model=self.model,
            messages=messages,
            max_tokens=request.max_tokens,
            stream=True,
            stream_options={"include_usage": True},
        )
        parts: list[str] = []
        usage = None
        finished = False
        async with stream:
            async for chunk in stream:
                if chunk.usage is not None:
                    usage = chunk.usage
                for choice in chunk.choices:
                    if choice.delta.content:
                        parts.append(choice.delta.content)
                        yield choice.delta.content
                    if choice.finish_reason:
                        finished = True
        if not finished:
            raise ProviderUnavailable("the model's reply was cut off; please try again")
        yield _usage(usage, messages, "".join(parts))


def _usage(reported: Any, messages: list[Any], text: str) -> Usage:
    """The upstream's usage, or an estimate when a compatible server does not report it."""
    if reported is not None:
        return Usage(
            prompt_tokens=reported.prompt_tokens or 0, completion_tokens=reported.completion_tokens or 0
        )
    prompt = sum(estimate_tokens(str(m["content"])) for m in messages)
    return Usage(prompt_tokens=prompt, completion_tokens=estimate_tokens(text))


def _retry_after(response: Any) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
