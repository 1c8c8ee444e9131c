"""Shared fixtures: the example persona, settings for an isolated app, and store backends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from memory import ConversationStore
from memory.file import FileStore
from service.app import create_app
from service.settings import Settings

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


@pytest.fixture(params=["file"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ConversationStore]:
    """Every store backend, so one set of contract tests covers them all."""
    backend: ConversationStore = FileStore(tmp_path / "store")
    try:
        yield backend
    finally:
        await backend.close()
