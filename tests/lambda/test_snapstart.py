"""SnapStart on the buffered function: what a restored environment re-creates before its first
invocation, run the way the python3.12 runtime runs the hooks (snapshot_restore_py's registry)."""

from __future__ import annotations

import gc
import importlib
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from snapshot_restore_py import get_after_restore, get_before_snapshot

from tests.conftest import EXAMPLE_PERSONA
from tests.support.apigw import API_HOST, http_event
from tests.support.fake_openai import FakeOpenAI
from tests.support.lambda_env import lambda_env
from tests.support.moto_s3 import MotoS3Server

INVOKE = Path(__file__).resolve().parents[1] / "support" / "lambda_invoke.py"
KEY_PARAMETER = "/twin/test/openai-api-key"


def run_after_restore_hooks() -> None:
    """What the runtime does once an environment is restored: every hook, in order of registration."""
    for hook, args, kwargs in get_after_restore():
        hook(*args, **kwargs)


@pytest.fixture
def handler_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """service.lambda_handler imported afresh (the init phase); its hook is unregistered afterwards,
    and the heap it kept goes back to the collector."""
    for var, value in {
        "PERSONA_DIR": str(EXAMPLE_PERSONA), "MEMORY_DIR": str(tmp_path), "TWIN_PROVIDER": "offline",
        "TWIN_WEB_DIR": str(tmp_path / "no-front-end"), "OPENAI_API_KEY_PARAMETER": "",
        "TWIN_ALLOWED_HOSTS": API_HOST,
    }.items():  # fmt: skip
        monkeypatch.setenv(var, value)
    monkeypatch.delitem(sys.modules, "service.lambda_handler", raising=False)
    hooks, before = list(get_after_restore()), list(get_before_snapshot())
    try:
        yield importlib.import_module("service.lambda_handler")
    finally:
        get_after_restore()[:] = hooks
        get_before_snapshot()[:] = before
        gc.unfreeze()


def served(serving: Any, dependency: str) -> object:
    """What the app behind `serving` hands its controllers as `dependency`."""
    return serving.asgi.app.dependencies[dependency].dependency()


def test_a_restored_environment_gets_a_new_seed_and_an_app_built_anew(handler_module: ModuleType) -> None:
    snapshot = handler_module._serving
    random.seed(7)  # what every environment restored from one snapshot would share
    shared = random.getstate()
    run_after_restore_hooks()
    restored = handler_module._serving
    assert random.getstate() != shared
    assert restored.background is not snapshot.background and restored.asgi is not snapshot.asgi
    for part in ("door", "conversations", "owner"):  # the app's collaborators, each made anew
        assert served(restored, part) is not served(snapshot, part)
    # the restored app, like the snapshot's, is kept out of the garbage collector's passes
    assert not any(o is restored.asgi.app for o in gc.get_objects())
    body = json.dumps({"message": "Where do you work?"})
    event = http_event("POST", "/chat", body=body, headers={"content-type": "application/json"})
    response = handler_module.handler(event, None)
    assert response["statusCode"] == 200 and "Corvina Pay" in json.loads(response["body"])["response"]


@pytest.mark.parametrize("mcp", [True, False])
def test_the_snapshot_holds_the_mcp_sdks_import_when_mcp_is_on(
    handler_module: ModuleType, monkeypatch: pytest.MonkeyPatch, mcp: bool
) -> None:
    monkeypatch.setenv("TWIN_MCP", str(mcp).lower())
    monkeypatch.delitem(sys.modules, "service.mcp.server", raising=False)
    hook, args, kwargs = get_before_snapshot()[-1]
    assert hook is handler_module.snapshot
    hook(*args, **kwargs)
    assert ("service.mcp.server" in sys.modules) is mcp


def test_the_key_is_read_again_after_a_restore_so_a_rotated_key_needs_no_new_version(
    python312: str,
    unzipped: Path,
    runtime: Path,
    moto_s3: MotoS3Server,
    bucket: str,
    fake: FakeOpenAI,
) -> None:
    ssm = boto3.client("ssm", endpoint_url=moto_s3.endpoint, region_name="us-east-1")
    ssm.put_parameter(Name=KEY_PARAMETER, Value="key-at-publish", Type="SecureString", Overwrite=True)
    env = lambda_env(moto_s3, bucket) | {
        "PATH": os.environ["PATH"],
        "TWIN_PROVIDER": "openai",
        "OPENAI_BASE_URL": fake.base_url,
        "OPENAI_API_KEY_PARAMETER": KEY_PARAMETER,
        "AWS_ENDPOINT_URL_SSM": moto_s3.endpoint,
        "LAMBDA_INVOKE_SNAPSTART": "1",
    }
    fake.reply("I work at Corvina Pay.")
    body = json.dumps({"message": "Where do you work?"})
    event = http_event("POST", "/chat", body=body, headers={"content-type": "application/json"})
    with subprocess.Popen(
        [python312, "-I", "-S", str(INVOKE), str(unzipped), str(runtime)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    ) as process:  # fmt: skip
        assert process.stdin and process.stdout
        assert json.loads(process.stdout.readline()) == {"snapshot": True}
        ssm.put_parameter(Name=KEY_PARAMETER, Value="key-after-restore", Type="SecureString", Overwrite=True)
        output, errors = process.communicate("\n" + json.dumps([event]), timeout=120)
    assert process.returncode == 0, errors[-3000:]
    response = json.loads(output.splitlines()[0])
    assert json.loads(response["body"])["response"] == "I work at Corvina Pay."
    assert [headers["authorization"] for headers in fake.headers] == ["Bearer key-after-restore"]
