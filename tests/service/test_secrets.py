"""The OpenAI key from an SSM SecureString (moto on 127.0.0.1), read once, with a defined failure."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import boto3
import pytest

from service.secrets import with_openai_key
from tests.support.moto_s3 import MotoS3Server
from tests.support.settings import settings_for

NAME = "/twin/test/openai-api-key"


@pytest.fixture
def ssm(moto_s3: MotoS3Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", moto_s3.endpoint)
    client = boto3.client("ssm", endpoint_url=moto_s3.endpoint)
    client.put_parameter(Name=NAME, Value="sk-from-ssm", Type="SecureString", Overwrite=True)
    yield client
    client.delete_parameter(Name=NAME)


def test_the_key_comes_from_the_named_parameter(ssm: object) -> None:
    settings = with_openai_key(settings_for(OPENAI_API_KEY_PARAMETER=NAME))
    assert settings.model.api_key == "sk-from-ssm" and settings.model.provider_name == "openai"


def test_a_key_set_directly_wins_and_ssm_is_not_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", "http://127.0.0.1:9")  # nothing listens there
    settings = with_openai_key(settings_for(OPENAI_API_KEY="sk-direct", OPENAI_API_KEY_PARAMETER=NAME))
    assert settings.model.api_key == "sk-direct"


def test_an_unreadable_parameter_falls_back_to_offline_and_logs_why(
    ssm: object, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="twin.secrets"):
        settings = with_openai_key(settings_for(OPENAI_API_KEY_PARAMETER="/twin/test/missing"))
    assert settings.model.provider_name == "offline" and settings.model.api_key is None
    assert "cannot read the OpenAI key from SSM parameter /twin/test/missing" in caplog.text
    assert "sk-from-ssm" not in caplog.text
