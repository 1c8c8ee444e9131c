"""Fixtures for the Pulumi program's tests: a fake web build, a small zip, and one deployment per stack."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.infra.harness import STACKS, Deployment, deploy, stack_config

#: The key set in the mocked config: it must never appear outside a secret.
API_KEY = "sk-test-0123456789-never-in-plain-text"

#: A fake built web UI: relative path -> content.
WEB_FILES = {
    "index.html": "<!doctype html><title>twin</title>",
    "assets/app.js": "console.log('twin')",
    "assets/app.css": "body{}",
    "logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    "fonts/inter.woff2": "wOF2",
    "manifest.json": "{}",
    "config.json": '{"apiUrl": "http://127.0.0.1:8000"}',
    ".DS_Store": "junk",
    "owner/owner.js": "console.log('room')",
}


@pytest.fixture(scope="session")
def web_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("web") / "dist"
    for name, content in WEB_FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def lambda_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dist") / "lambda.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("service/lambda_handler.py", "def handler(event, context): ...\n")
    return path


@pytest.fixture(scope="session")
def deploy_stack(web_dir: Path, lambda_zip: Path) -> Callable[..., Deployment]:
    """Deploy a committed stack's config (plus overrides) under mocks; same arguments deploy once."""
    cache: dict[tuple[object, ...], Deployment] = {}

    def run(
        stack: str, *, api_key: str | None = API_KEY, owner_password: str | None = None, **overrides: str
    ) -> Deployment:
        ident = (stack, api_key, owner_password, tuple(sorted(overrides.items())))
        if ident not in cache:
            config = stack_config(stack)
            config["twin:lambdaPackage"] = str(lambda_zip)
            config["twin:webDir"] = str(web_dir)
            config.update({f"twin:{key}": value for key, value in overrides.items()})
            secrets: tuple[str, ...] = ()
            if api_key is not None:
                config["twin:openaiApiKey"] = api_key
                secrets = ("twin:openaiApiKey",)
            if owner_password is not None:
                config["twin:ownerPassword"] = owner_password
                secrets = (*secrets, "twin:ownerPassword")
            cache[ident] = deploy(stack, config, secrets)
        return cache[ident]

    return run


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def deployment(stack: str, deploy_stack: Callable[..., Deployment]) -> Deployment:
    """Each committed stack, deployed with an OpenAI key set as a secret."""
    return deploy_stack(stack)
