"""Shared fixtures: the example persona, settings for an isolated app, and store backends."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import boto3
import pytest
from litestar.testing import TestClient

from memory import ConversationStore
from memory.file import FileStore
from memory.records import FileRecordStore, RecordStore
from memory.s3 import S3RecordStore, S3Store
from service.app import create_app
from service.settings import Settings
from tests.support.moto_s3 import FAKE_CREDENTIALS, MotoS3Server

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_PERSONA = REPO / "persona"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Offline provider, the example persona, file memory in a temporary directory."""
    return Settings(persona_dir=EXAMPLE_PERSONA, memory_dir=tmp_path / "conversations", provider="offline")


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
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ConversationStore]:
    """Every store backend, so one set of contract tests covers them all."""
    backend: ConversationStore
    if request.param == "s3":
        moto_s3: MotoS3Server = request.getfixturevalue("moto_s3")
        bucket: str = request.getfixturevalue("s3_bucket")
        backend = S3Store(bucket, "conversations/", endpoint_url=moto_s3.endpoint)
    else:
        backend = FileStore(tmp_path / "store")
    try:
        yield backend
    finally:
        await backend.close()


@pytest.fixture(params=["file", "s3"])
async def records(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[RecordStore]:
    """Every records backend, so one set of contract tests covers them all."""
    backend: RecordStore
    if request.param == "s3":
        moto_s3: MotoS3Server = request.getfixturevalue("moto_s3")
        bucket: str = request.getfixturevalue("s3_bucket")
        backend = S3RecordStore(bucket, "records/", endpoint_url=moto_s3.endpoint)
    else:
        backend = FileRecordStore(tmp_path / "records")
    try:
        yield backend
    finally:
        await backend.close()
