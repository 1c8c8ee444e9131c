"""Settings: read once from the environment (and `.env`), typed, frozen, with defaults that run locally."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Literal

import msgspec

ProviderName = Literal["openai", "offline"]

#: Environment variable -> Settings field. The names are a public interface: keep them.
ENV_VARS: dict[str, str] = {
    "OPENAI_API_KEY": "openai_api_key",
    "OPENAI_BASE_URL": "openai_base_url",
    "TWIN_PROVIDER": "provider",
    "TWIN_MODEL": "model",
    "TWIN_LLM_TIMEOUT_SECONDS": "llm_timeout_seconds",
    "TWIN_LLM_MAX_RETRIES": "llm_max_retries",
    "TWIN_MAX_REPLY_TOKENS": "max_reply_tokens",
    "CORS_ORIGINS": "cors_origins",
    "PERSONA_DIR": "persona_dir",
    "MEMORY_DIR": "memory_dir",
    "USE_S3": "use_s3",
    "S3_BUCKET": "s3_bucket",
    "S3_PREFIX": "s3_prefix",
    "S3_RECORDS_PREFIX": "s3_records_prefix",
    "TWIN_S3_TIMEOUT_SECONDS": "s3_timeout_seconds",
    "TWIN_RETENTION_DAYS": "retention_days",
    "OPENAI_API_KEY_PARAMETER": "openai_api_key_parameter",
    "TWIN_MAX_MESSAGE_CHARS": "max_message_chars",
    "TWIN_HISTORY_TOKEN_BUDGET": "history_token_budget",
    "TWIN_LOG_LEVEL": "log_level",
    "TWIN_JUDGE": "judge_replies",
    "TWIN_WEB_DIR": "web_dir",
    "TWIN_RATE_LIMIT_PER_MINUTE": "rate_limit_per_minute",
    "TWIN_SESSION_RATE_LIMIT_PER_MINUTE": "session_rate_limit_per_minute",
    "TWIN_NEW_SESSIONS_PER_HOUR": "new_sessions_per_hour",
    "TWIN_MAX_BODY_BYTES": "max_body_bytes",
    "TWIN_MAX_SESSION_TURNS": "max_session_turns",
    "TWIN_FALLBACK_OFFLINE": "fallback_offline",
    "TWIN_DAILY_TOKEN_BUDGET": "daily_token_budget",
    "TWIN_MONTHLY_TOKEN_BUDGET": "monthly_token_budget",
    "TWIN_NOTIFY_WEBHOOK_URL": "notify_webhook_url",
    "TWIN_NOTIFY_SNS_TOPIC_ARN": "notify_sns_topic_arn",
    "TWIN_NOTIFY_TIMEOUT_SECONDS": "notify_timeout_seconds",
    "TWIN_NOTIFY_RETRY_SECONDS": "notify_retry_seconds",
    "TWIN_ANSWERS_REFRESH_SECONDS": "answers_refresh_seconds",
}


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Everything configurable. Only `from_env` reads the environment; the app receives this object."""

    openai_api_key: str | None = None
    openai_base_url: str | None = None
    #: None picks `openai` when a key or base URL is set, else the embedded `offline` provider.
    provider: ProviderName | None = None
    model: str = "gpt-4o-mini"
    llm_timeout_seconds: float = 30.0
    llm_max_retries: int = 2
    max_reply_tokens: int = 600
    cors_origins: tuple[str, ...] = ()
    persona_dir: Path = Path("persona")
    memory_dir: Path = Path("data/conversations")
    use_s3: bool = False
    s3_bucket: str | None = None
    s3_prefix: str = "conversations/"
    #: Where the records store (contacts, questions, answers, feedback, budgets) keeps its documents.
    s3_records_prefix: str = "records/"
    s3_timeout_seconds: float = 5.0
    #: Conversations untouched for longer than this are erased by `twin conversations prune`.
    retention_days: int = 30
    #: Name of an SSM SecureString parameter holding the OpenAI key (Lambda); read once per container.
    openai_api_key_parameter: str | None = None
    max_message_chars: int = 4000
    history_token_budget: int = 3000
    log_level: str = "INFO"
    #: Check every reply with a second model call before it is sent; a flagged reply is regenerated
    #: once. Streaming then delivers the checked reply after the check (see docs/evals.md).
    judge_replies: bool = False
    #: The built front end (`make web`); served at / to browsers when present, else the app is API only.
    web_dir: Path = Path("web/dist")
    #: Chat requests per client IP per minute, per session per minute, and new sessions per client IP
    #: per hour; 0 turns a limit off.
    rate_limit_per_minute: int = 20
    session_rate_limit_per_minute: int = 10
    new_sessions_per_hour: int = 30
    #: Largest request body accepted (413 above it); at least what a message of `max_message_chars`
    #: can take as JSON (`body_bytes_needed`).
    max_body_bytes: int = 49_152
    #: Turns one conversation may hold; a longer one must start afresh (its document stays small).
    max_session_turns: int = 100
    #: Answer offline instead of a 503 when the model fails before its first word.
    fallback_offline: bool = False
    #: Model tokens (in + out) all visitors may use per UTC day and per calendar month; once one is
    #: used up the twin answers offline until the period ends. 0 = no cap.
    daily_token_budget: int = 1_000_000
    monthly_token_budget: int = 10_000_000
    #: Owner notifications of new contacts and questions: a JSON webhook and/or an SNS topic.
    notify_webhook_url: str | None = None
    notify_sns_topic_arn: str | None = None
    notify_timeout_seconds: float = 5.0
    #: Undelivered notifications are retried on a turn at most this often (and by `twin notify retry`).
    notify_retry_seconds: float = 300.0
    #: How long a process keeps the owner's answers before reading them from the records store again.
    answers_refresh_seconds: float = 60.0

    @property
    def provider_name(self) -> ProviderName:
        """The provider in use: explicit, else OpenAI when configured, else offline."""
        if self.provider:
            return self.provider
        return "openai" if (self.openai_api_key or self.openai_base_url) else "offline"

    @property
    def storage(self) -> Literal["local", "s3"]:
        return "s3" if self.use_s3 else "local"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
    ) -> Settings:
        """Settings from `environ` (default: the process environment) over the `.env` file's values.

        Raises: SettingsError naming the variable whose value is invalid.
        """
        values = dict(_read_env_file(env_file)) if env_file else {}
        values.update(os.environ if environ is None else environ)
        raw: dict[str, object] = {}
        for var, field in ENV_VARS.items():
            value = values.get(var, "").strip()
            if value:
                raw[field] = (
                    [o.strip() for o in value.split(",") if o.strip()] if field == "cors_origins" else value
                )
        try:
            settings = msgspec.convert(raw, cls, strict=False, dec_hook=_decode_path)
        except msgspec.ValidationError as exc:
            raise SettingsError(_name_variable(str(exc))) from None
        settings.validate()
        return settings

    def validate(self) -> None:
        """Reject values that decode but make no sense."""
        positive = (
            "llm_timeout_seconds",
            "max_reply_tokens",
            "max_message_chars",
            "history_token_budget",
            "s3_timeout_seconds",
            "retention_days",
            "max_body_bytes",
            "max_session_turns",
            "notify_timeout_seconds",
        )
        for field in positive:
            if getattr(self, field) <= 0:
                raise SettingsError(f"{_var_of(field)} must be positive, got {getattr(self, field)}")
        limits = (
            "rate_limit_per_minute",
            "session_rate_limit_per_minute",
            "new_sessions_per_hour",
            "daily_token_budget",
            "monthly_token_budget",
        )
        for field in limits:
            if getattr(self, field) < 0:
                raise SettingsError(f"{_var_of(field)} must be 0 (off) or more, got {getattr(self, field)}")
        if self.notify_webhook_url and not self.notify_webhook_url.startswith(("http://", "https://")):
            raise SettingsError("TWIN_NOTIFY_WEBHOOK_URL must be an http(s) URL")
        for field in ("notify_retry_seconds", "answers_refresh_seconds"):
            if getattr(self, field) < 0:
                raise SettingsError(f"{_var_of(field)} must be 0 or more, got {getattr(self, field)}")
        needed = body_bytes_needed(self.max_message_chars)
        if self.max_body_bytes < needed:
            raise SettingsError(
                f"TWIN_MAX_BODY_BYTES must be at least {needed} ({JSON_BYTES_PER_CHAR} bytes per "
                f"character of TWIN_MAX_MESSAGE_CHARS={self.max_message_chars}, plus "
                f"{CHAT_BODY_ENVELOPE}), so that no message within the limit is refused for its JSON "
                f"encoding; got {self.max_body_bytes}"
            )
        if self.llm_max_retries < 0:
            raise SettingsError(f"TWIN_LLM_MAX_RETRIES must be 0 or more, got {self.llm_max_retries}")
        if self.use_s3 and not self.s3_bucket:
            raise SettingsError("USE_S3=true needs S3_BUCKET")
        if self.use_s3 and _folder(self.s3_records_prefix) == _folder(self.s3_prefix):
            raise SettingsError("S3_RECORDS_PREFIX must differ from S3_PREFIX")

    @property
    def records_dir(self) -> Path:
        """Where the file backend keeps records: `records/` inside MEMORY_DIR."""
        return self.memory_dir / "records"


def _folder(prefix: str) -> str:
    prefix = prefix.strip().strip("/")
    return prefix + "/" if prefix else ""


#: Most bytes one character of a message can take in a JSON body: an escaped astral character
#: (`"\ud83d\ude00"`), as Python's `json.dumps` and `requests` send non-ASCII text by default.
JSON_BYTES_PER_CHAR = 12
#: Room in a chat body for everything but the message (field names, session id, idempotency key).
CHAT_BODY_ENVELOPE = 1024


def body_bytes_needed(max_message_chars: int) -> int:
    """The smallest body limit that never refuses (413) a message within `max_message_chars`."""
    return max_message_chars * JSON_BYTES_PER_CHAR + CHAT_BODY_ENVELOPE


class SettingsError(ValueError):
    """A configuration value is invalid; the message names the environment variable."""


def _decode_path(kind: type, value: object) -> object:
    if kind is Path and isinstance(value, str):
        return Path(value)
    raise NotImplementedError


def _var_of(field: str) -> str:
    return next(var for var, name in ENV_VARS.items() if name == field)


def _name_variable(message: str) -> str:
    for var, field in ENV_VARS.items():
        if f"$.{field}" in message:
            return f"{var}: {message.split(' - at ')[0]}"
    return message


def _read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a .env file; comments, blanks and `export ` prefixes allowed."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    values = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


@cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings.from_env()
