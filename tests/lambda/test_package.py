"""The Lambda package, proven end to end: built, unzipped, and invoked by a fresh python3.12 process
that sees only the package (and boto3, as the runtime provides it), with S3 memory on moto.

The import audit runs the same paths (offline chat, the OpenAI provider on a local test server with
tool calls, records and owner notifications) against every dependency as pip installs it, with
sources and nothing left out, and checks the package imports exactly the same modules: so nothing
the build leaves out (or compiles without its source) is used on those paths, not even through an
import that would fail quietly."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest

import memory.conversations as conversations_module
import service.owner.loop as loop_module
from infra.lambda_zip import (
    KEEP_SOURCES,
    NEVER_IMPORTED,
    SHADOWING_SHIMS,
    PackageOptions,
    build_package,
    left_out,
    runtime_requirements,
    stage,
)
from memory import Memory, Message
from memory.model import utc_now
from memory.s3 import S3Store
from service.owner.loop import OwnerLoop
from tests.conftest import EXAMPLE_PERSONA
from tests.support.apigw import http_event
from tests.support.fake_openai import FakeOpenAI
from tests.support.lambda_env import ALLOWED, lambda_env, openai_env, sns_topic
from tests.support.moto_s3 import MotoS3Server
from tests.support.owner import PASSWORD

INVOKE = Path(__file__).resolve().parents[1] / "support" / "lambda_invoke.py"


@pytest.fixture(scope="module")
def full_install(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The import audit's subject: every dependency as pip installs it (pypdf too, less boto3, which
    the runtime provides), the project's sources, nothing left out, no bytecode."""
    target = tmp_path_factory.mktemp("full") / "task"
    requirements = runtime_requirements(bundle_boto3=False) + sorted(NEVER_IMPORTED)
    stage(requirements, target, EXAMPLE_PERSONA, "x86_64", log=lambda _: None)
    return target


def invoke(
    python: str,
    task: Path,
    runtime: Path,
    env: dict[str, str],
    events: list[dict[str, Any]],
    modules: Path | None = None,
) -> list[dict[str, Any]]:
    if modules is not None:
        env = env | {"LAMBDA_INVOKE_MODULES": str(modules)}
    result = subprocess.run(
        [python, "-I", "-S", str(INVOKE), str(task), str(runtime)],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], **env},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in result.stdout.strip().splitlines()]
    return lines[:-1]


FORM = {"content-type": "application/x-www-form-urlencoded"}
#: The API's own origin in the events (their Host; behind API Gateway the scheme is https).
API_ORIGIN = "https://api.example.test"


def chat(message: str, *, stream: bool = False) -> dict[str, Any]:
    body = json.dumps({"message": message})
    return http_event("POST", "/chat/stream" if stream else "/chat", body=body,
                      headers={"content-type": "application/json"})  # fmt: skip


def mcp(method: str, params: dict[str, Any] | None = None, *, modern: bool = False) -> dict[str, Any]:
    """A JSON-RPC request to POST /mcp, as an MCP client sends it: without a session (the handshake era's
    stateless form) or, `modern`, in the 2026-07-28 per-request envelope with its routing headers."""
    headers = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
    if modern:
        params = (params or {}) | {"_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
        }}  # fmt: skip
        headers |= {"mcp-protocol-version": "2026-07-28", "mcp-method": method}
        if "name" in params:
            headers["mcp-name"] = params["name"]
    body = {"jsonrpc": "2.0", "id": 1, "method": method} | ({} if params is None else {"params": params})
    return http_event("POST", "/mcp", body=json.dumps(body), headers=headers)


def mcp_paths() -> list[dict[str, Any]]:
    """An MCP client's requests: the handshake, the listings, every tool, a resource, the prompt, and
    the same call in the 2026-07-28 envelope."""
    handshake = {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    }
    return [
        mcp("initialize", handshake),
        mcp("tools/list"),
        mcp("tools/call", {"name": "ask_twin", "arguments": {"question": "Where do you work?"}}),
        mcp("tools/call", {"name": "get_profile", "arguments": {}}),
        mcp(
            "tools/call",
            {"name": "leave_message", "arguments": {"email": "ada@example.com", "message": "Hi"}},
        ),
        mcp("resources/read", {"uri": "twin://persona/llms.txt"}),
        mcp("prompts/get", {"name": "introduce"}),
        mcp(
            "tools/call", {"name": "ask_twin", "arguments": {"question": "Where did you study?"}}, modern=True
        ),
        mcp("tools/call", {"name": "ask_twin", "arguments": {"question": ""}}),
    ]


def openai_paths(fake: FakeOpenAI, visitor: str = "ada") -> list[dict[str, Any]]:
    """A reply, a streamed reply, the model failing (rate-limited, then an unreadable reply), and last
    a new contact and a new question recorded through tool calls (so the owner is notified: a known
    `visitor` would not be; last, so no later invocation runs what they left on the loop)."""
    email, question = f"{visitor}@example.com", f"{visitor} asks: cats or dogs?"
    contact = json.dumps({"email": email, "name": visitor.title(), "note": "a platform role"})
    fake.reply("I work at", " Corvina Pay.")
    fake.reply("Streamed", " reply.")
    fake.fail(429)
    fake.malformed()
    fake.tool_call("record_contact", contact, then="Thanks, I passed it on.")
    fake.tool_call("record_unanswered_question", json.dumps({"question": question}), then="Noted.")
    return [
        chat("Where do you work?"),
        chat("Where do you work?", stream=True),
        chat("Are you there?"),
        chat("Hello?"),
        chat(f"Please email me at {email}"),
        chat(question, stream=True),
    ]


def offline_paths() -> list[dict[str, Any]]:
    """Every endpoint once with the offline provider, plus the errors the app maps."""
    headers = {"content-type": "application/json"}
    vote = {"session_id": "x" * 32, "reply": 1, "rating": "up"}
    preflight = {"origin": "https://evil.example", "access-control-request-method": "POST"}
    return [
        chat("Where do you work?"),
        chat("Where did you study?", stream=True),
        http_event("GET", "/health"),
        http_event("GET", "/"),
        http_event("GET", "/persona"),
        http_event("GET", "/schema/openapi.json"),
        http_event("GET", "/conversation/not-a-session"),
        http_event("DELETE", "/conversation/not-a-session"),
        http_event("POST", "/feedback", body=json.dumps(vote), headers=headers),
        http_event("POST", "/chat", body=json.dumps({"message": ""}), headers=headers),
        http_event("POST", "/chat", body="{" * 40_000, headers=headers),
        http_event("OPTIONS", "/chat", headers=preflight),
        *mcp_paths(),
        # the owner's room (open in every environment here): its page, its assets, its door
        http_event("GET", "/owner/"),
        http_event("GET", "/owner/static/owner.css"),
        http_event("GET", "/owner/api/conversations"),
        http_event("POST", "/owner/login", body="password=x", headers={**FORM, "origin": API_ORIGIN}),
    ]


def test_the_zip_has_the_app_the_compiled_persona_and_bytecode_but_not_what_never_runs(package: Path) -> None:
    names = set(zipfile.ZipFile(package).namelist())
    assert "service/lambda_handler.pyc" in names and "persona/persona.compiled.json" in names
    # Bytecode replaces the sources, except those that read themselves (with their cached bytecode).
    assert sorted(name for name in names if name.endswith(".py")) == sorted(KEEP_SOURCES)
    for kept in KEEP_SOURCES:
        folder, _, module = kept.rpartition("/")
        assert f"{folder}/__pycache__/{module.removesuffix('.py')}.cpython-312.pyc" in names
    # importlib.metadata finds every distribution's version, but installers' records are left out.
    infos = {name.split("/", 1)[0] for name in names if ".dist-info/" in name}
    assert infos and all(f"{info}/METADATA" in names for info in infos)
    assert not any(name.endswith(("/RECORD", "/INSTALLER", "py.typed", ".pyi")) for name in names)
    tops = {name.split("/", 1)[0] for name in names}
    for absent in ("boto3", "botocore", "pypdf", "aiohttp", "uvloop", "httptools", "faker", "tests"):
        assert absent not in tops
    assert {n for n in names if n.startswith("web/")} == {
        "web/dist/owner/owner.js",
        "web/dist/owner/owner.css",
    }
    assert {"uvicorn", "click", "h11"} <= tops  # the streaming entry's server
    # Litestar's `multipart` module, not python-multipart's shim of the same name (SHADOWING_SHIMS).
    assert "multipart.pyc" in names and not any(name.startswith("multipart/") for name in names)
    assert not any(name.endswith("linkedin.pdf") for name in names)


def test_the_streaming_entrys_start_script_is_executable_and_nothing_else_is(package: Path) -> None:
    entries = zipfile.ZipFile(package).infolist()
    modes = {info.filename: (info.external_attr >> 16) & 0o777 for info in entries}
    assert modes.pop("service/entry/lambda_stream.sh") == 0o755
    assert set(modes.values()) == {0o644}


def test_the_build_is_reproducible(package: Path, tmp_path: Path) -> None:
    again = PackageOptions(
        output=tmp_path / "again.zip", persona_dir=EXAMPLE_PERSONA, build_dir=tmp_path / "b"
    )
    build_package(again, log=lambda _: None)
    assert again.output.read_bytes() == package.read_bytes()


def test_the_handler_serves_every_kind_of_request_on_s3(
    python312: str, unzipped: Path, runtime: Path, moto_s3: MotoS3Server, bucket: str
) -> None:
    env = lambda_env(moto_s3, bucket)
    headers = {"content-type": "application/json"}
    events = [
        http_event("POST", "/chat", body=json.dumps({"message": "Where do you work?"}), headers=headers),
        http_event(
            "POST",
            "/chat",
            body=json.dumps({"message": "Where did you study?"}),
            headers=headers,
            base64_body=True,
        ),
        http_event("GET", "/health"),
        http_event("GET", "/"),
        http_event("POST", "/chat", body=json.dumps({"message": ""}), headers=headers),
    ]
    first, second, health, root, bad = invoke(python312, unzipped, runtime, env, events)
    assert first["statusCode"] == 200 and "Corvina Pay" in json.loads(first["body"])["response"]
    assert second["statusCode"] == 200 and "KTH" in json.loads(second["body"])["response"]
    assert (
        json.loads(health["body"]).items()
        >= {"status": "healthy", "storage": "s3", "provider": "offline"}.items()
    )
    assert json.loads(root["body"]) == {
        "message": "AI Digital Twin API",
        "memory_enabled": True,
        "storage": "s3",
    }
    assert bad["statusCode"] == 400 and "message" in bad["body"]

    session_id = json.loads(first["body"])["session_id"]
    keys = [
        o["Key"]
        for o in boto3.client("s3", endpoint_url=moto_s3.endpoint).list_objects_v2(Bucket=bucket)["Contents"]
    ]
    assert f"conversations/{session_id}.json" in keys

    # A new container (process) reads the conversation back from S3.
    [conversation] = invoke(
        python312, unzipped, runtime, env, [http_event("GET", f"/conversation/{session_id}")]
    )
    messages = json.loads(conversation["body"])["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[0]["content"] == "Where do you work?"


#: An EventBridge schedule's event, as the stack's daily rule sends it.
SCHEDULED = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-12-02T03:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/twin-dev-retention"],
    "detail": {},
}


async def visited(memory: Memory, session_id: str, email: str) -> None:
    """A conversation and the contact its visitor left, as a turn stores them."""
    message = Message(role="user", content=f"Reach me at {email}", timestamp=utc_now())
    await memory.conversations.append(session_id, [message], create=True)
    await OwnerLoop(memory.records).record_contact(session_id, email)


def test_the_daily_schedule_erases_what_the_retention_period_has_passed_on_s3(
    python312: str,
    unzipped: Path,
    runtime: Path,
    moto_s3: MotoS3Server,
    bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Was: nothing on Lambda applied retention to records: visitors' email addresses stayed for good."""
    memory = Memory.of(S3Store(bucket, endpoint_url=moto_s3.endpoint), "conversations/", "records/")
    old, recent = "O" * 32, "R" * 32
    long_ago = utc_now() - timedelta(days=31)
    with monkeypatch.context() as clock:
        for module in (conversations_module, loop_module):
            clock.setattr(module, "utc_now", lambda: long_ago)
        asyncio.run(visited(memory, old, "gone@example.com"))
    asyncio.run(visited(memory, recent, "kept@example.com"))

    [response] = invoke(python312, unzipped, runtime, lambda_env(moto_s3, bucket), [SCHEDULED])

    assert response == {
        "retention_days": 30,
        "erased": {"conversations": 1, "records": 1, "audit_entries": 0, "leftovers": 0},
    }
    client = boto3.client("s3", endpoint_url=moto_s3.endpoint)
    keys = {o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert f"conversations/{recent}.json" in keys and f"conversations/{old}.json" not in keys
    [contact] = asyncio.run(OwnerLoop(memory.records).contacts())
    assert contact.email == "kept@example.com"


def test_the_handler_lists_the_mcp_tools_and_asks_the_twin_through_them_on_s3(
    python312: str, unzipped: Path, runtime: Path, moto_s3: MotoS3Server, bucket: str
) -> None:
    answers = invoke(python312, unzipped, runtime, lambda_env(moto_s3, bucket), mcp_paths())
    assert [a["statusCode"] for a in answers] == [200] * len(answers)
    initialized, listed, asked, profile, left, llms, prompt, modern, bad = (
        json.loads(a["body"]) for a in answers
    )
    assert initialized["result"]["serverInfo"]["name"] == "twin"
    assert [tool["name"] for tool in listed["result"]["tools"]] == [
        "ask_twin",
        "get_profile",
        "leave_message",
    ]
    answer = asked["result"]["structuredContent"]
    assert "Corvina Pay" in answer["reply"] and answer["reply_number"] == 1
    assert "KTH" in modern["result"]["structuredContent"]["reply"]
    assert profile["result"]["structuredContent"]["full_name"] == "Freja Holmqvist"
    assert not left["result"]["isError"]
    assert "[MCP endpoint](https://api.example.test/mcp)" in llms["result"]["contents"][0]["text"]
    assert prompt["result"]["messages"][0]["content"]["text"].startswith("Introduce Freja Holmqvist")
    assert bad["result"]["isError"] and "$.question" in bad["result"]["content"][0]["text"]
    client = boto3.client("s3", endpoint_url=moto_s3.endpoint)
    keys = {o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert f"conversations/{answer['conversation_id']}.json" in keys  # a chat turn, stored as one
    assert any(key.startswith("records/contacts/") for key in keys)


def cookie(response: dict[str, Any], name: str) -> str:
    """`name=value` of a cookie the handler set (payload 2.0 answers carry them in `cookies`)."""
    return next(c.split(";")[0] for c in response.get("cookies") or [] if c.startswith(f"{name}="))


def test_the_owner_signs_in_and_lists_conversations_through_the_handler_on_s3(
    python312: str, unzipped: Path, runtime: Path, moto_s3: MotoS3Server, bucket: str
) -> None:
    """Three containers, as Lambda may use: the password comes from SSM, the session and the CSRF token
    one container issues hold in the others (the signing secret is made once, in the bucket)."""
    ssm = boto3.client("ssm", endpoint_url=moto_s3.endpoint, region_name="us-east-1")
    ssm.put_parameter(Name="/twin/test/owner-password", Value=PASSWORD, Type="SecureString", Overwrite=True)
    env = {
        **{k: v for k, v in lambda_env(moto_s3, bucket).items() if k != "TWIN_OWNER_PASSWORD"},
        "AWS_ENDPOINT_URL_SSM": moto_s3.endpoint,
        "TWIN_OWNER_PASSWORD_PARAMETER": "/twin/test/owner-password",
    }
    chatted, page, script = invoke(
        python312,
        unzipped,
        runtime,
        env,
        [
            chat("Where do you work?"),
            http_event("GET", "/owner/"),
            http_event("GET", "/owner/static/owner.js"),
        ],
    )
    session_id = json.loads(chatted["body"])["session_id"]
    assert page["statusCode"] == 200 and 'name="password"' in page["body"]
    assert "frame-ancestors 'none'" in page["headers"]["content-security-policy"]
    assert script["statusCode"] == 200 and script["headers"]["content-type"].startswith("text/javascript")
    csrf = cookie(page, "csrftoken")
    form = urlencode({"password": PASSWORD, "_csrf_token": csrf.partition("=")[2]})
    headers = {**FORM, "origin": API_ORIGIN}
    [signed] = invoke(
        python312,
        unzipped,
        runtime,
        env,
        [http_event("POST", "/owner/login", body=form, headers=headers, cookies=[csrf])],
    )
    assert signed["statusCode"] == 303, signed["body"]
    session = cookie(signed, "twin_owner")
    set_cookie = next(c for c in signed["cookies"] if c.startswith("twin_owner="))
    assert all(part in set_cookie for part in ("HttpOnly", "Secure", "SameSite=strict", "Path=/owner"))
    [listed, refused] = invoke(
        python312,
        unzipped,
        runtime,
        env,
        [
            http_event("GET", "/owner/api/conversations", cookies=[session, csrf]),
            http_event("GET", "/owner/api/conversations"),
        ],
    )
    assert listed["statusCode"] == 200, listed["body"]
    assert [item["session_id"] for item in json.loads(listed["body"])["items"]] == [session_id]
    assert refused["statusCode"] == 401
    keys = [
        o["Key"]
        for o in boto3.client("s3", endpoint_url=moto_s3.endpoint).list_objects_v2(Bucket=bucket)["Contents"]
    ]
    assert "records/deployment/secret.json" in keys and any(
        k.startswith("records/owner_sessions/") for k in keys
    )


def test_cors_preflight_allows_the_configured_origin_only(
    python312: str, unzipped: Path, runtime: Path, moto_s3: MotoS3Server, bucket: str
) -> None:
    def preflight(origin: str) -> dict[str, Any]:
        headers = {"origin": origin, "access-control-request-method": "POST",
                   "access-control-request-headers": "content-type"}  # fmt: skip
        return http_event("OPTIONS", "/chat", headers=headers)

    allowed, refused = invoke(
        python312,
        unzipped,
        runtime,
        lambda_env(moto_s3, bucket),
        [preflight(ALLOWED), preflight("https://evil.example")],
    )
    assert allowed["statusCode"] in (200, 204)
    assert allowed["headers"]["access-control-allow-origin"] == ALLOWED
    assert "access-control-allow-origin" not in {k.lower() for k in refused["headers"]}
    assert refused["statusCode"] >= 400


def test_the_openai_provider_streams_calls_tools_and_maps_failures_in_the_package(
    python312: str,
    unzipped: Path,
    runtime: Path,
    moto_s3: MotoS3Server,
    bucket: str,
    fake: FakeOpenAI,
) -> None:
    topic = sns_topic(moto_s3)
    sqs = boto3.client("sqs", endpoint_url=moto_s3.endpoint, region_name="us-east-1")
    queue = sqs.create_queue(QueueName="twin-lambda-owner-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns = boto3.client("sns", endpoint_url=moto_s3.endpoint, region_name="us-east-1")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    env = openai_env(moto_s3, bucket, fake, topic)
    plain, streamed, limited, unreadable, contact, question, *_ = invoke(
        python312, unzipped, runtime, env, openai_paths(fake)
    )
    # Published before each handler returned: a frozen container would otherwise hold them back.
    inbox = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    subjects = sorted(json.loads(m["Body"])["Subject"] for m in inbox)
    assert subjects == ["twin: a question I could not answer", "twin: a visitor wants to get in touch"]
    assert json.loads(plain["body"])["response"] == "I work at Corvina Pay."
    assert streamed["statusCode"] == 200 and "Streamed" in streamed["body"]
    assert json.loads(contact["body"])["response"] == "Thanks, I passed it on."
    assert question["statusCode"] == 200 and "Noted." in question["body"]
    assert limited["statusCode"] == 503 and "busy" in limited["body"]
    assert unreadable["statusCode"] == 503 and "unreadable" in unreadable["body"]
    client = boto3.client("s3", endpoint_url=moto_s3.endpoint)
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix="records/")["Contents"]]
    assert any(key.startswith("records/contacts/") for key in keys)
    assert any(key.startswith("records/questions/") for key in keys)


#: httpx imports its command-line client at import inside `try/except ImportError`, and stubs it out
#: when click, rich and pygments are missing, as they are in the package: the one import that the
#: build makes fail on purpose. Those three are imported by nothing else.
HTTPX_CLI = "httpx/_main.py"
HTTPX_CLI_NEEDS = {"click", "rich", "pygments"}


def imported_files(listing: Path, task: Path) -> set[str]:
    """The files under `task` that modules were imported from, as sources (`x.pyc` counts as `x.py`)."""
    files = set()
    for line in listing.read_text(encoding="utf-8").splitlines():
        file = line.partition("\t")[2]
        if file.startswith(f"{task}/"):
            relative = file.removeprefix(f"{task}/")
            files.add(relative.removesuffix("c") if relative.endswith(".pyc") else relative)
    return files


def test_the_package_imports_what_the_full_install_imports_less_only_what_it_leaves_out(
    python312: str,
    unzipped: Path,
    full_install: Path,
    runtime: Path,
    moto_s3: MotoS3Server,
    bucket: str,
    fake: FakeOpenAI,
    tmp_path: Path,
) -> None:
    runs: list[tuple[str, dict[str, str], Callable[[str], list[dict[str, Any]]]]] = [
        ("offline", lambda_env(moto_s3, bucket), lambda _: offline_paths()),
        ("openai", openai_env(moto_s3, bucket, fake, sns_topic(moto_s3)), lambda v: openai_paths(fake, v)),
    ]
    for path, env, events in runs:
        listings = {}
        for subject, task in (("full", full_install), ("package", unzipped)):
            listings[subject] = tmp_path / f"{path}-{subject}.tsv"
            invoke(python312, task, runtime, env, events(subject), modules=listings[subject])
        full = imported_files(listings["full"], full_install)
        package = imported_files(listings["package"], unzipped)
        dropped = {file for file in full if left_out(file)}
        tops = {file.split("/", 1)[0].removesuffix(".py") for file in full}
        assert tops.isdisjoint(NEVER_IMPORTED), f"{path}: imports {tops & NEVER_IMPORTED}"
        allowed = HTTPX_CLI_NEEDS | set(SHADOWING_SHIMS)
        assert {file.split("/", 1)[0] for file in dropped} <= allowed, f"{path}: {sorted(dropped)}"
        expected = full - dropped - {HTTPX_CLI}
        assert package == expected, f"{path}: {sorted(package ^ expected)}"
