"""Secrets from AWS SSM Parameter Store, read once per Lambda container: the OpenAI key and the owner's
password. The environment holds only the parameters' names."""

from __future__ import annotations

import logging
from collections.abc import Callable

import msgspec

from service.settings import Settings

log = logging.getLogger("twin.secrets")


def with_openai_key(settings: Settings) -> Settings:
    """Settings with the key from the SSM parameter named by OPENAI_API_KEY_PARAMETER.

    A key set directly (OPENAI_API_KEY) wins and SSM is not asked. When the parameter cannot be
    read, the twin stays up on the offline provider and says why in the log (never the key).
    """
    model = settings.model
    name = model.api_key_parameter
    if model.api_key or not name:
        return settings
    keyed = _with_secret(
        settings, name, "the OpenAI key", "answering offline",
        lambda key: msgspec.structs.replace(settings, model=msgspec.structs.replace(model, api_key=key)),
    )  # fmt: skip
    offline = msgspec.structs.replace(model, provider="offline")
    return keyed or msgspec.structs.replace(settings, model=offline)


def with_owner_password(settings: Settings) -> Settings:
    """Settings with the owner's password from the SSM parameter named by TWIN_OWNER_PASSWORD_PARAMETER.

    A password set directly (TWIN_OWNER_PASSWORD) wins. When the parameter cannot be read, or holds a
    password shorter than the settings allow, the owner's room stays closed (every /owner route is a
    404) and the log says why; visitors are served as ever. The password itself is never logged.
    """
    owner = settings.owner
    name = owner.password_parameter
    if owner.password or not name:
        return settings

    def opened(password: str) -> Settings:
        with_password = msgspec.structs.replace(owner, password=password)
        msgspec.convert(msgspec.to_builtins(with_password), type(owner))  # the settings' own constraints
        return msgspec.structs.replace(settings, owner=with_password)

    closed = "the owner's room stays closed"
    return _with_secret(settings, name, "the owner's password", closed, opened) or settings


def with_secrets(settings: Settings) -> Settings:
    """Both: what the Lambda entry points build the app with."""
    return with_owner_password(with_openai_key(settings))


def _with_secret(
    settings: Settings, name: str, what: str, otherwise: str, use: Callable[[str], Settings]
) -> Settings | None:
    """`use` applied to the parameter's value, or None when the parameter cannot be read or `use`
    refuses it; the log then says what happens instead (the parameter and the error's type, never
    the value)."""
    try:
        return use(read_secure_parameter(name, timeout=settings.storage.s3_timeout_seconds))
    except Exception as exc:
        log.error("cannot read %s from SSM parameter %s (%s); %s", what, name, type(exc).__name__, otherwise)
        return None


def read_secure_parameter(name: str, *, timeout: float) -> str:
    """A SecureString's decrypted value; bounded by a timeout and a few retries."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": 3, "mode": "standard"}
    )
    client = boto3.client("ssm", config=config)
    value = client.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    if not isinstance(value, str) or not value:
        raise ValueError("empty parameter")
    return value
