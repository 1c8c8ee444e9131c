"""The streaming entry, proven on the package: the start script, run the way the Lambda Web Adapter
runs it (python3.12 seeing only the unzipped package and the runtime's boto3), serves POST /chat/stream
from the OpenAI provider on a local test server, with S3 memory on moto, and guards it like the API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from infra.streaming import stream_hosts
from tests.support.fake_openai import FakeOpenAI
from tests.support.lambda_env import ALLOWED, lambda_env
from tests.support.moto_s3 import MotoS3Server
from tests.support.web_adapter import AdaptedEntry, sse_events

#: Low enough that a test reaches it, per visitor address per minute.
RATE_LIMIT = 3


@pytest.fixture(scope="module")
def stream_fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(scope="module")
def stream_bucket(moto_s3: MotoS3Server) -> str:
    name = "twin-stream-test"
    boto3.client("s3", endpoint_url=moto_s3.endpoint).create_bucket(Bucket=name)
    return name


def openai_on(fake: FakeOpenAI) -> dict[str, str]:
    return {
        "OPENAI_BASE_URL": fake.base_url,
        "OPENAI_API_KEY": "test",
        "TWIN_LLM_MAX_RETRIES": "0",
        # as the Pulumi program sets the streaming function's: its URL's names and the adapter's
        "TWIN_ALLOWED_HOSTS": stream_hosts("us-east-1"),
    }


@pytest.fixture(scope="module")
def entry(
    python312: str,
    unzipped: Path,
    runtime: Path,
    moto_s3: MotoS3Server,
    stream_bucket: str,
    stream_fake: FakeOpenAI,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[AdaptedEntry]:
    env = lambda_env(moto_s3, stream_bucket) | openai_on(stream_fake)
    env["TWIN_RATE_LIMIT_PER_MINUTE"] = str(RATE_LIMIT)
    with AdaptedEntry(unzipped, runtime, python312, env, tmp_path_factory.mktemp("entry")) as started:
        yield started


def ask(entry: AdaptedEntry, message: str, source_ip: str, **headers: str) -> httpx.Response:
    body = {"message": message}
    return httpx.post(
        entry.url + "/chat/stream", json=body, headers=entry.headers(source_ip, **headers), timeout=30
    )


def test_the_start_script_streams_events_before_the_reply_is_complete(
    entry: AdaptedEntry, stream_fake: FakeOpenAI, moto_s3: MotoS3Server, stream_bucket: str
) -> None:
    hold = threading.Event()  # the test model sends its first piece, then waits for the test
    stream_fake.reply("I work at", " Corvina Pay", " in Stockholm.", hold=hold)
    headers = entry.headers("198.51.100.1", origin=ALLOWED)
    with httpx.stream(
        "POST", entry.url + "/chat/stream", json={"message": "Where?"}, headers=headers, timeout=30
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response.iter_lines())
        session = next(events)
        assert session[0] == "session"
        assert next(events) == ("delta", {"text": "I work at"})  # while the model still holds the rest
        hold.set()
        rest = list(events)
    assert [name for name, _ in rest] == ["delta", "delta", "done"]
    done: dict[str, Any] = rest[-1][1]
    assert done["response"] == "I work at Corvina Pay in Stockholm."
    stored = boto3.client("s3", endpoint_url=moto_s3.endpoint).get_object(
        Bucket=stream_bucket, Key=f"conversations/{session[1]['session_id']}.json"
    )
    assert "Corvina Pay in Stockholm." in stored["Body"].read().decode()


def test_the_visitor_address_is_the_request_contexts_whatever_x_forwarded_for_says(
    entry: AdaptedEntry,
) -> None:
    statuses = [
        ask(entry, "Hello?", "198.51.100.2", **{"x-forwarded-for": f"203.0.113.{n}"}).status_code
        for n in range(RATE_LIMIT + 1)
    ]
    assert statuses == [200] * RATE_LIMIT + [429]
    assert ask(entry, "Hello?", "198.51.100.3", **{"x-forwarded-for": "198.51.100.2"}).status_code == 200


def test_a_chat_request_without_the_adapters_request_context_is_refused(entry: AdaptedEntry) -> None:
    response = httpx.post(entry.url + "/chat/stream", json={"message": "Hello?"}, timeout=30)
    assert response.status_code == 403
    assert response.json()["detail"] == "chat requests come through the function URL"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/persona"),
        ("POST", "/chat"),
        ("GET", "/conversation/" + "A" * 32),
        ("DELETE", "/conversation/" + "A" * 32),
        ("POST", "/feedback"),
        ("GET", "/schema/openapi.json"),
        ("GET", "/chat/stream"),
    ],
)
def test_only_the_stream_and_the_readiness_check_are_served(
    entry: AdaptedEntry, method: str, path: str
) -> None:
    response = httpx.request(method, entry.url + path, headers=entry.headers("198.51.100.4"), timeout=30)
    assert response.status_code == 404
    assert httpx.get(entry.url + "/health", timeout=30).json()["storage"] == "s3"


def test_the_origin_check_and_the_body_limit_guard_the_stream_as_they_guard_the_api(
    entry: AdaptedEntry,
) -> None:
    refused = ask(entry, "Hello?", "198.51.100.5", origin="https://evil.example")
    assert refused.status_code == 403 and "evil.example" in refused.json()["detail"]
    oversized = httpx.post(
        entry.url + "/chat/stream",
        content=json.dumps({"message": "x" * 60_000}),
        headers=entry.headers("198.51.100.5", **{"content-type": "application/json"}),
        timeout=30,
    )
    assert oversized.status_code == 413


def test_the_spend_cap_answers_offline_once_the_days_budget_is_used(
    python312: str,
    unzipped: Path,
    runtime: Path,
    moto_s3: MotoS3Server,
    bucket: str,
    fake: FakeOpenAI,
    tmp_path: Path,
) -> None:
    env = lambda_env(moto_s3, bucket) | openai_on(fake) | {"TWIN_DAILY_TOKEN_BUDGET": "1"}
    fake.reply("I work at Corvina Pay.", prompt_tokens=50, completion_tokens=5)
    with AdaptedEntry(unzipped, runtime, python312, env, tmp_path) as capped:
        first = ask(capped, "Where do you work?", "198.51.100.6")
        second = ask(capped, "Where do you work?", "198.51.100.6")
    assert "Corvina Pay" in first.text and first.status_code == second.status_code == 200
    assert fake.request_count == 1  # the second turn never reached the model
    assert [name for name, _ in sse_events(iter(second.text.splitlines()))][-1] == "done"
