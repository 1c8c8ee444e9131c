"""The OpenAI key from an SSM SecureString (moto on 127.0.0.1), read once, with a defined failure."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import boto3
import pytest

from service.entry.secrets import with_openai_key, with_owner_password, with_secrets
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


OWNER = "/twin/test/owner-password"


@pytest.fixture
def owner_parameter(ssm: object) -> Iterator[str]:
    client = boto3.client("ssm", endpoint_url=str(ssm.meta.endpoint_url))  # type: ignore[attr-defined]
    client.put_parameter(Name=OWNER, Value="a long owner password", Type="SecureString", Overwrite=True)
    client.put_parameter(Name=f"{OWNER}-short", Value="short", Type="SecureString", Overwrite=True)
    yield OWNER
    client.delete_parameters(Names=[OWNER, f"{OWNER}-short"])


def test_the_owners_password_comes_from_its_parameter_and_opens_the_room(owner_parameter: str) -> None:
    settings = with_secrets(settings_for(TWIN_OWNER_PASSWORD_PARAMETER=owner_parameter))
    assert settings.owner.password == "a long owner password" and settings.owner.room_open


@pytest.mark.parametrize("suffix", ["-short", "-missing"])
def test_an_unusable_password_parameter_keeps_the_room_closed_and_says_why_without_it(
    owner_parameter: str, caplog: pytest.LogCaptureFixture, suffix: str
) -> None:
    with caplog.at_level(logging.ERROR, logger="twin.secrets"):
        settings = with_owner_password(settings_for(TWIN_OWNER_PASSWORD_PARAMETER=owner_parameter + suffix))
    assert not settings.owner.room_open
    assert f"cannot read the owner's password from SSM parameter {owner_parameter}{suffix}" in caplog.text
    assert "short" not in caplog.text.replace(f"{owner_parameter}-short", "")


def test_a_password_set_directly_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", "http://127.0.0.1:9")  # nothing listens there
    settings = with_owner_password(
        settings_for(TWIN_OWNER_PASSWORD="set directly here", TWIN_OWNER_PASSWORD_PARAMETER=OWNER)
    )
    assert settings.owner.password == "set directly here"
