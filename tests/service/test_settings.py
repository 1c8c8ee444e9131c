"""Settings come from the environment and .env once, typed, grouped, with clear errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from service import settings as settings_module
from service.environment import SettingsError
from service.settings import ENV_VARS, Settings, env_var


def test_defaults_run_locally_offline() -> None:
    settings = Settings.from_env({}, env_file=None)
    assert settings.model.provider_name == "offline"
    assert settings.storage.kind == "local"
    assert settings.limits.max_message_chars == 4000
    assert settings.model.name == "gpt-4o-mini"
    assert settings.persona_dir == Path("persona")


def test_environment_overrides_dotenv(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\nexport TWIN_MODEL='from-dotenv'\nPERSONA_DIR=/p\nOPENAI_API_KEY=sk-x\n")
    settings = Settings.from_env({"TWIN_MODEL": "from-env"}, env_file=env_file)
    assert settings.model.name == "from-env"
    assert settings.persona_dir == Path("/p")
    assert settings.model.provider_name == "openai"


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
    assert settings.web.cors_origins == ("https://a.example", "https://b.example")
    assert settings.storage.use_s3 is True and settings.storage.kind == "s3"
    assert settings.limits.max_message_chars == 200
    assert settings.model.provider_name == "openai"


def test_explicit_provider_wins() -> None:
    settings = Settings.from_env({"OPENAI_API_KEY": "sk-x", "TWIN_PROVIDER": "offline"}, env_file=None)
    assert settings.model.provider_name == "offline"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TWIN_MAX_MESSAGE_CHARS": "lots"}, "TWIN_MAX_MESSAGE_CHARS: expected `int`, got `str`"),
        ({"TWIN_MAX_MESSAGE_CHARS": "0"}, "TWIN_MAX_MESSAGE_CHARS: expected `int` >= 1, got '0'"),
        ({"TWIN_PROVIDER": "claude"}, "TWIN_PROVIDER: invalid enum value 'claude'"),
        ({"TWIN_HTTP_CLIENT": "curl"}, "TWIN_HTTP_CLIENT: invalid enum value 'curl'"),
        ({"USE_S3": "true"}, "USE_S3=true needs S3_BUCKET"),
        ({"TWIN_LLM_MAX_RETRIES": "-1"}, "TWIN_LLM_MAX_RETRIES: expected `int` >= 0"),
        ({"TWIN_LOG_LEVEL": "loud"}, "TWIN_LOG_LEVEL"),
        ({"TWIN_NOTIFY_RETRY_SECONDS": "-5"}, "TWIN_NOTIFY_RETRY_SECONDS: expected `float` >= 0.0"),
        # was: botocore's NoRegionError and a traceback from `twin notify list`
        (
            {"TWIN_NOTIFY_SNS_TOPIC_ARN": "twin-dev-owner"},
            "TWIN_NOTIFY_SNS_TOPIC_ARN: expected `str` matching",
        ),
        ({"TWIN_RETENTION_DAYS": "99999999999"}, "TWIN_RETENTION_DAYS: expected `int` <= 36500"),
        (
            {"USE_S3": "1", "S3_BUCKET": "b", "S3_PREFIX": "x", "S3_RECORDS_PREFIX": "/x/"},
            "S3_RECORDS_PREFIX",
        ),
    ],
)
def test_invalid_values_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("`", ".").replace("(", r"\(")):
        Settings.from_env(env, env_file=None)


@pytest.mark.parametrize(
    ("choice", "installed", "uses_aiohttp"),
    [("auto", True, True), ("auto", False, False), ("httpx", True, False), ("aiohttp", True, True)],
)
def test_the_model_client_uses_aiohttp_when_asked_or_installed(
    monkeypatch: pytest.MonkeyPatch, choice: str, installed: bool, uses_aiohttp: bool
) -> None:
    monkeypatch.setattr(settings_module, "aiohttp_installed", lambda: installed)
    settings = Settings.from_env({"TWIN_HTTP_CLIENT": choice}, env_file=None)
    assert settings.model.uses_aiohttp is uses_aiohttp


def test_asking_for_aiohttp_without_it_installed_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings_module, "aiohttp_installed", lambda: False)
    with pytest.raises(SettingsError, match="TWIN_HTTP_CLIENT=aiohttp needs aiohttp installed"):
        Settings.from_env({"TWIN_HTTP_CLIENT": "aiohttp"}, env_file=None)


def test_every_variable_is_declared_once_and_named_by_its_setting() -> None:
    assert len(ENV_VARS) == len(set(ENV_VARS.values()))
    assert env_var("storage.use_s3") == "USE_S3"
    assert env_var("persona_dir") == "PERSONA_DIR"
    assert ENV_VARS["TWIN_MODEL"] == ("model", "name")
    with pytest.raises(KeyError, match=r"Settings\.storage\.nothing"):
        env_var("storage.nothing")


def test_every_variable_is_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    missing = [variable for variable in ENV_VARS if f"`{variable}`" not in readme]
    assert missing == []
