"""The stack twin is built on, doing none of twin's work: the floor under a twin turn, for comparison only.

Litestar on uvicorn takes a visitor's message and sends it, after a system message of about the size of
twin's for the example persona, through the official OpenAI client's low-level `post` over its aiohttp
transport (as twin's provider does), and answers with the reply. No persona, guard, window, memory,
limits, spend cap or log: what any turn of twin costs at least on the same machine.
"""

import os
import uuid

import httpx2
import msgspec
import openai
from litestar import Litestar, get, post

#: About as long as twin's system message for the example persona (some 2,700 tokens).
SYSTEM = "You are the owner's twin and answer from the owner's career only. " * 165


class ChatRequest(msgspec.Struct):
    message: str
    session_id: str | None = None


class ChatResponse(msgspec.Struct):
    response: str
    session_id: str


class Message(msgspec.Struct):
    content: str | None = None


class Choice(msgspec.Struct):
    message: Message


class Completion(msgspec.Struct):
    choices: list[Choice]


_clients: list[openai.AsyncOpenAI] = []


def client() -> openai.AsyncOpenAI:
    """One client per process, made in the server's event loop (aiohttp's session binds to it)."""
    if not _clients:
        http_client = openai.DefaultAioHttpClient()
        _clients.append(openai.AsyncOpenAI(base_url=os.environ["OPENAI_BASE_URL"], http_client=http_client))
    return _clients[0]


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "healthy"}


@post("/chat")
async def chat(data: ChatRequest) -> ChatResponse:
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": data.message}]
    body = msgspec.json.encode({"model": os.environ["TWIN_MODEL"], "messages": messages})
    reply = await client().post("/chat/completions", cast_to=httpx2.Response, content=body)
    text = msgspec.json.decode(reply.content, type=Completion).choices[0].message.content or ""
    return ChatResponse(response=text, session_id=data.session_id or uuid.uuid4().hex)


app = Litestar([health, chat])
