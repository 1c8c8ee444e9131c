"""Settings for tests, named as a deployment names them: by environment variable."""

from __future__ import annotations

from typing import Any

import msgspec

from service.settings import ENV_VARS, Settings


def settings_for(**env: object) -> Settings:
    """Settings from these variables only (not the process environment, not `.env`)."""
    return Settings.from_env({name: str(value) for name, value in env.items()}, env_file=None)


def tweak(settings: Settings, **env: Any) -> Settings:
    """`settings` with some variables changed, given typed (`TWIN_MAX_MESSAGE_CHARS=50`)."""
    groups: dict[str, dict[str, Any]] = {}
    top: dict[str, Any] = {}
    for variable, value in env.items():
        group, attribute = ENV_VARS[variable]
        if group:
            groups.setdefault(group, {})[attribute] = value
        else:
            top[attribute] = value
    for group, values in groups.items():
        top[group] = msgspec.structs.replace(getattr(settings, group), **values)
    return msgspec.structs.replace(settings, **top)


def on_fake_model(settings: Settings, base_url: str, **env: Any) -> Settings:
    """`settings` answering through the OpenAI provider from the local test server at `base_url`
    (no retries, short timeouts); `env` changes more or overrides these."""
    model = {
        "TWIN_PROVIDER": "openai",
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": base_url,
        "TWIN_MODEL": "gpt-fake",
        "TWIN_LLM_MAX_RETRIES": 0,
        "TWIN_LLM_TIMEOUT_SECONDS": 2.0,
    }
    return tweak(settings, **(model | env))
