"""A minimal app of the seed's shape (FastAPI + pydantic + OpenAI + boto3 + pypdf), for comparison only.

Like the seed, it reads the persona (including the LinkedIn PDF, with pypdf) and creates its clients
at import time, keeps conversations as JSON files (or S3), and answers through the OpenAI client.
"""

import json
import os
import uuid
from pathlib import Path

import boto3
from fastapi import FastAPI, HTTPException
from fastapi.middleware.cors import CORSMiddleware
from openai import OpenAI
from pydantic import BaseModel
from pypdf import PdfReader

PERSONA = Path(os.getenv("PERSONA_DIR", "persona"))
MEMORY = Path(os.getenv("MEMORY_DIR", "/tmp/memory"))
USE_S3 = os.getenv("USE_S3", "false").lower() == "true"

linkedin = "\n".join(page.extract_text() or "" for page in PdfReader(PERSONA / "linkedin.pdf").pages)
facts = json.loads((PERSONA / "facts.json").read_text())
summary = (PERSONA / "summary.md").read_text()
style = (PERSONA / "style.txt").read_text()
PROMPT = f"You are {facts['full_name']}.\n{summary}\n{linkedin}\n{style}"

app = FastAPI()
app.add_middleware(
    CORSMiddleware, allow_origins=os.getenv("CORS_ORIGINS", "*").split(","), allow_methods=["*"]
)
client = OpenAI()
s3 = boto3.client("s3") if USE_S3 else None


class ChatRequest(BaseModel):
    message: str
    session_id: str | None = None


class ChatResponse(BaseModel):
    response: str
    session_id: str


def load(session_id: str) -> list[dict[str, str]]:
    path = MEMORY / f"{session_id}.json"
    return json.loads(path.read_text()) if path.exists() else []


def save(session_id: str, messages: list[dict[str, str]]) -> None:
    MEMORY.mkdir(parents=True, exist_ok=True)
    (MEMORY / f"{session_id}.json").write_text(json.dumps(messages))


@app.get("/")
async def root() -> dict[str, object]:
    return {"message": "AI Digital Twin API", "memory_enabled": True, "storage": "s3" if USE_S3 else "local"}


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "healthy"}


@app.post("/chat", response_model=ChatResponse)
async def chat(request: ChatRequest) -> ChatResponse:
    session_id = request.session_id or str(uuid.uuid4())
    history = load(session_id)
    messages = [{"role": "system", "content": PROMPT}, *history, {"role": "user", "content": request.message}]
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages)  # type: ignore[arg-type]
    text = reply.choices[0].message.content or ""
    save(
        session_id,
        [*history, {"role": "user", "content": request.message}, {"role": "assistant", "content": text}],
    )
    return ChatResponse(response=text, session_id=session_id)


@app.get("/conversation/{session_id}")
async def conversation(session_id: str) -> dict[str, object]:
    messages = load(session_id)
    if not messages:
        raise HTTPException(404, "not found")
    return {"session_id": session_id, "messages": messages}
