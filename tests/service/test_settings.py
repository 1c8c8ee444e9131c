"""Settings come from the environment and .env once, typed, with clear errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.settings import Settings, SettingsError


def test_defaults_run_locally_offline() -> None:
    settings = Settings.from_env({}, env_file=None)
    assert settings.provider_name == "offline"
    assert settings.storage == "local"
    assert settings.max_message_chars == 4000
    assert settings.model == "gpt-4o-mini"
    assert settings.persona_dir == Path("persona")


def test_environment_overrides_dotenv(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\nexport TWIN_MODEL='from-dotenv'\nPERSONA_DIR=/p\nOPENAI_API_KEY=sk-x\n")
    settings = Settings.from_env({"TWIN_MODEL": "from-env"}, env_file=env_file)
    assert settings.model == "from-env"
    assert settings.persona_dir == Path("/p")
    assert settings.provider_name == "openai"


def test_values_are_typed() -> None:
    settings = Settings.from_env(
        {
            "CORS_ORIGINS": "https://a.example, https://b.example",
            "USE_S3": "true",
            "S3_BUCKET": "b",
            "TWIN_MAX_MESSAGE_CHARS": "200",
            "OPENAI_BASE_URL": "http://127.0.0.1:11434/v1",
        },
        env_file=None,
    )
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.use_s3 is True and settings.storage == "s3"
    assert settings.max_message_chars == 200
    assert settings.provider_name == "openai"


def test_explicit_provider_wins() -> None:
    assert Settings.from_env(
        {"OPENAI_API_KEY": "sk-x", "TWIN_PROVIDER": "offline"}, env_file=None
    ).provider_name == ("offline")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TWIN_MAX_MESSAGE_CHARS": "lots"}, "TWIN_MAX_MESSAGE_CHARS"),
        ({"TWIN_MAX_MESSAGE_CHARS": "0"}, "TWIN_MAX_MESSAGE_CHARS must be positive"),
        ({"TWIN_PROVIDER": "claude"}, "TWIN_PROVIDER"),
        ({"USE_S3": "true"}, "S3_BUCKET"),
        ({"TWIN_LLM_MAX_RETRIES": "-1"}, "TWIN_LLM_MAX_RETRIES"),
    ],
)
def test_invalid_values_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env, env_file=None)
