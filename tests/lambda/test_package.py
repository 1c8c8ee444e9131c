"""The Lambda package, proven end to end: built, unzipped, and invoked by a fresh python3.12 process
that sees only the package (and boto3, as the runtime provides it), with S3 memory on moto."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from service.packaging import PackageOptions, build_package, find_python312, pip_install_for_lambda
from tests.conftest import EXAMPLE_PERSONA
from tests.support.apigw import http_event
from tests.support.moto_s3 import FAKE_CREDENTIALS, MotoS3Server

INVOKE = Path(__file__).resolve().parents[1] / "support" / "lambda_invoke.py"
ALLOWED = "https://owner.example"


@pytest.fixture(scope="module")
def python312() -> str:
    python = find_python312()
    assert python, "python3.12 is needed (the machine image ships one)"
    return python


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("lambda")
    options = PackageOptions(
        output=work / "lambda.zip", persona_dir=EXAMPLE_PERSONA, build_dir=work / "build"
    )
    build_package(options, log=lambda _: None)
    return options.output


@pytest.fixture(scope="module")
def unzipped(package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("task")
    with zipfile.ZipFile(package) as archive:
        archive.extractall(target)
    return target


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the python3.12 Lambda runtime provides beside the package: boto3."""
    target = tmp_path_factory.mktemp("runtime")
    pip_install_for_lambda(["boto3"], target, "x86_64")
    return target


@pytest.fixture
def bucket(moto_s3: MotoS3Server) -> Iterator[str]:
    name = "twin-lambda-test"
    client = boto3.client("s3", endpoint_url=moto_s3.endpoint)
    client.create_bucket(Bucket=name)
    yield name
    for item in client.list_objects_v2(Bucket=name).get("Contents", []):
        client.delete_object(Bucket=name, Key=item["Key"])
    client.delete_bucket(Bucket=name)


def invoke(
    python: str, task: Path, runtime: Path, env: dict[str, str], events: list[dict[str, Any]]
) -> list[dict[str, Any]]:
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


def lambda_env(moto: MotoS3Server, bucket: str) -> dict[str, str]:
    return FAKE_CREDENTIALS | {
        "AWS_ENDPOINT_URL_S3": moto.endpoint,
        "USE_S3": "true",
        "S3_BUCKET": bucket,
        "CORS_ORIGINS": ALLOWED,
    }


def test_the_zip_has_the_app_the_compiled_persona_and_bytecode_but_not_what_never_runs(package: Path) -> None:
    names = set(zipfile.ZipFile(package).namelist())
    assert "service/lambda_handler.py" in names and "persona/persona.compiled.json" in names
    assert "service/__pycache__/lambda_handler.cpython-312.pyc" in names
    tops = {name.split("/", 1)[0] for name in names}
    for absent in ("boto3", "botocore", "uvicorn", "pypdf", "faker", "tests", "web"):
        assert absent not in tops
    assert not any(name.endswith("linkedin.pdf") for name in names)


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
