"""Fixtures of the owner's loop tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.webhook import WebhookReceiver


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A webhook receiver on 127.0.0.1 for the test."""
    with WebhookReceiver() as found:
        yield found
