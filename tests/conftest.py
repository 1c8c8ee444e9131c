"""Shared fixtures: the example persona, settings for an isolated app, and store backends."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import boto3
import pytest
from litestar.testing import TestClient

from memory import ConversationStore, RecordStore, Store
from memory.file import FileStore
from memory.s3 import S3Store
from service.app import create_app
from service.settings import Settings
from tests.support.moto_s3 import FAKE_CREDENTIALS, MotoS3Server
from tests.support.settings import settings_for

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_PERSONA = REPO / "persona"
#: The host name Litestar's TestClient addresses, allowed beside the default local names.
TEST_HOSTS = "testserver.local,localhost,127.0.0.1,[::1]"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Offline provider, the example persona, file memory in a temporary directory; the test client's
    host name is allowed."""
    return settings_for(
        PERSONA_DIR=EXAMPLE_PERSONA,
        MEMORY_DIR=tmp_path / "conversations",
        TWIN_PROVIDER="offline",
        TWIN_ALLOWED_HOSTS=TEST_HOSTS,
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(app=create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[MotoS3Server]:
    """moto's S3 in server mode on 127.0.0.1 (ephemeral port), with fake credentials in the environment."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in FAKE_CREDENTIALS.items():
            env.setenv(name, value)
        for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
            env.delenv(name, raising=False)
        server = MotoS3Server().start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def s3_bucket(moto_s3: MotoS3Server) -> Iterator[str]:
    """A fresh, empty bucket on the moto server; faults injected by the test are cleared afterwards."""
    name = f"twin-test-{uuid.uuid4().hex[:16]}"
    boto3.client("s3", endpoint_url=moto_s3.endpoint).create_bucket(Bucket=name)
    try:
        yield name
    finally:
        moto_s3.clear_faults()


@pytest.fixture(params=["file", "s3"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """Every store backend (files, and S3 on the moto server), so one set of contract tests covers
    them all; conversations and records are built on it."""
    medium: Store
    if request.param == "s3":
        moto_s3: MotoS3Server = request.getfixturevalue("moto_s3")
        bucket: str = request.getfixturevalue("s3_bucket")
        medium = S3Store(bucket, endpoint_url=moto_s3.endpoint)
    else:
        medium = FileStore(tmp_path / "store")
    try:
        yield medium
    finally:
        await medium.close()


@pytest.fixture
def store(backend: Store) -> ConversationStore:
    """Conversations on every backend, in the namespace the app gives them on S3."""
    return ConversationStore(backend.with_namespace("conversations"))


@pytest.fixture
def records(backend: Store) -> RecordStore:
    """Records on every backend, in the namespace the app gives them on S3."""
    return RecordStore(backend.with_namespace("records"))
