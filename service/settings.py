"""Settings: read once from the environment (and `.env`), typed, frozen, with defaults that run locally.

Each setting is declared once, in its group: its attribute, its environment variable (the field's
encoded name), its type and its constraint. Everything else (parsing, the error naming the variable,
the list of variables, the Pulumi program's environment) is derived from these declarations, by
service/environment.py. Rules that involve more than one variable live in `Settings.__post_init__`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, field

from service.environment import SECRET, Group, SettingsError, read, read_env_file, variables

#: The named Chat Completions-compatible providers (service/providers/profiles.py).
ProfileName = Literal["openai", "anthropic", "gemini", "bedrock", "ollama"]
ProviderName = Literal["openai", "anthropic", "gemini", "bedrock", "ollama", "offline"]
#: The official client's HTTP transport: `auto` is aiohttp where it is installed, else httpx.
HttpClientName = Literal["auto", "aiohttp", "httpx"]

Positive = Annotated[int, Meta(ge=1)]
#: The longest retention period: a century (a cut-off that far back is still a date).
MAX_RETENTION_DAYS = 36_500
RetentionDays = Annotated[int, Meta(ge=1, le=MAX_RETENTION_DAYS)]
PositiveSeconds = Annotated[float, Meta(gt=0)]
#: 0 turns a limit or budget off.
Limit = Annotated[int, Meta(ge=0)]
NonNegativeSeconds = Annotated[float, Meta(ge=0)]
Temperature = Annotated[float, Meta(ge=0, le=2)]
HttpUrl = Annotated[str, Meta(pattern=r"^https?://\S+$")]
#: An SNS topic's whole ARN: its region is where the notifications are published.
TopicArn = Annotated[
    str, Meta(pattern=r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")
]
#: A host name a request may name in its Host header: a name or address (IPv6 in brackets), `*.`
#: before a domain for its subdomains, or `*` for any.
HostName = Annotated[str, Meta(pattern=r"^(\*|(\*\.)?[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\])$")]
LogLevel = Annotated[str, Meta(pattern=r"(?i)^(debug|info|warning|error|critical)$")]
#: The owner's password's least length (checked here and, before a deployment, by infra/).
PASSWORD_MIN_LENGTH = 12
Password = Annotated[str, Meta(min_length=PASSWORD_MIN_LENGTH, extra=SECRET)]


class ModelSettings(Group, frozen=True, kw_only=True):
    """The model that answers, and how it is called."""

    api_key: str | None = field(default=None, name="OPENAI_API_KEY")
    #: Overrides the profile's base URL (a proxy, a local server).
    base_url: str | None = field(default=None, name="OPENAI_BASE_URL")
    #: None picks `openai` when a key or base URL is set, else the embedded `offline` provider.
    provider: ProviderName | None = field(default=None, name="TWIN_PROVIDER")
    #: Each profile's own key; OPENAI_API_KEY stands in when it is unset.
    anthropic_api_key: str | None = field(default=None, name="ANTHROPIC_API_KEY")
    gemini_api_key: str | None = field(default=None, name="GEMINI_API_KEY")
    #: A Bedrock API key; without it, a short-term key is minted from the AWS credentials (on
    #: Lambda: the function's role).
    bedrock_api_key: str | None = field(default=None, name="AWS_BEARER_TOKEN_BEDROCK")
    #: The Bedrock region (Lambda sets it); part of Bedrock's base URL and of its minted keys.
    aws_region: str | None = field(default=None, name="AWS_REGION")
    name: Annotated[str, Meta(min_length=1)] = field(default="gpt-4o-mini", name="TWIN_MODEL")
    #: Sent as `temperature` when set, lowered to what the provider accepts (Anthropic: 1).
    temperature: Temperature | None = field(default=None, name="TWIN_TEMPERATURE")
    #: How long one read of a model request may wait (connecting, the first byte, each next one).
    timeout_seconds: PositiveSeconds = field(default=30.0, name="TWIN_LLM_TIMEOUT_SECONDS")
    #: How long one model call may take in all, retries and a reply trickling in included.
    deadline_seconds: PositiveSeconds = field(default=120.0, name="TWIN_LLM_DEADLINE_SECONDS")
    max_retries: Limit = field(default=2, name="TWIN_LLM_MAX_RETRIES")
    #: aiohttp costs less CPU per request under many concurrent visitors (docs/benchmarks.md); the
    #: Lambda package leaves it out, so its entries use httpx (one request per container at a time).
    http_client: HttpClientName = field(default="auto", name="TWIN_HTTP_CLIENT")
    max_reply_tokens: Positive = field(default=600, name="TWIN_MAX_REPLY_TOKENS")
    #: Name of an SSM SecureString parameter holding the OpenAI key (Lambda); read once per container.
    api_key_parameter: str | None = field(default=None, name="OPENAI_API_KEY_PARAMETER")
    #: Check every reply with a second model call before it is sent; a flagged reply is regenerated
    #: once. Streaming then delivers the checked reply after the check (see docs/evals.md).
    judge: bool = field(default=False, name="TWIN_JUDGE")
    #: Answer offline instead of a 503 when the model fails before its first word.
    fallback_offline: bool = field(default=False, name="TWIN_FALLBACK_OFFLINE")

    @property
    def provider_name(self) -> ProviderName:
        """The provider in use: explicit, else OpenAI when configured, else offline."""
        if self.provider:
            return self.provider
        return "openai" if (self.api_key or self.base_url) else "offline"

    @property
    def uses_aiohttp(self) -> bool:
        """Whether model calls go through aiohttp: asked for, or `auto` with aiohttp installed."""
        return self.http_client == "aiohttp" or (self.http_client == "auto" and aiohttp_installed())


class LimitSettings(Group, frozen=True, kw_only=True):
    """What one visitor, one conversation and all visitors together may use."""

    max_message_chars: Positive = field(default=4000, name="TWIN_MAX_MESSAGE_CHARS")
    history_token_budget: Positive = field(default=3000, name="TWIN_HISTORY_TOKEN_BUDGET")
    #: Largest request body accepted (413 above it); at least what a message of `max_message_chars`
    #: can take as JSON (`body_bytes_needed`).
    max_body_bytes: Positive = field(default=49_152, name="TWIN_MAX_BODY_BYTES")
    #: Turns one conversation may hold; a longer one must start afresh (its document stays small).
    max_session_turns: Positive = field(default=100, name="TWIN_MAX_SESSION_TURNS")
    #: Chat requests per client IP per minute, per session per minute, and new sessions per client
    #: IP per hour.
    rate_limit_per_minute: Limit = field(default=20, name="TWIN_RATE_LIMIT_PER_MINUTE")
    session_rate_limit_per_minute: Limit = field(default=10, name="TWIN_SESSION_RATE_LIMIT_PER_MINUTE")
    new_sessions_per_hour: Limit = field(default=30, name="TWIN_NEW_SESSIONS_PER_HOUR")
    #: Model tokens (in + out) all visitors may use per UTC day and per calendar month; once one is
    #: used up the twin answers offline until the period ends.
    daily_token_budget: Limit = field(default=1_000_000, name="TWIN_DAILY_TOKEN_BUDGET")
    monthly_token_budget: Limit = field(default=10_000_000, name="TWIN_MONTHLY_TOKEN_BUDGET")
    #: Model tokens one client IP may use per minute and per day, and one conversation per day, so
    #: that no single visitor uses up the budgets above (docs/hardening.md has the arithmetic).
    ip_tokens_per_minute: Limit = field(default=12_000, name="TWIN_TOKENS_PER_IP_PER_MINUTE")
    ip_tokens_per_day: Limit = field(default=60_000, name="TWIN_TOKENS_PER_IP_PER_DAY")
    session_tokens_per_day: Limit = field(default=40_000, name="TWIN_TOKENS_PER_SESSION_PER_DAY")


class StorageSettings(Group, frozen=True, kw_only=True):
    """Where conversations and records live: files under `memory_dir`, or one S3 bucket."""

    memory_dir: Path = field(default=Path("data/conversations"), name="MEMORY_DIR")
    use_s3: bool = field(default=False, name="USE_S3")
    s3_bucket: str | None = field(default=None, name="S3_BUCKET")
    s3_prefix: str = field(default="conversations/", name="S3_PREFIX")
    #: Where the records (contacts, questions, answers, feedback, budgets) live in the bucket.
    s3_records_prefix: str = field(default="records/", name="S3_RECORDS_PREFIX")
    s3_timeout_seconds: PositiveSeconds = field(default=5.0, name="TWIN_S3_TIMEOUT_SECONDS")
    #: Conversations untouched for longer than this are erased by `twin conversations prune`.
    retention_days: RetentionDays = field(default=30, name="TWIN_RETENTION_DAYS")

    @property
    def kind(self) -> Literal["local", "s3"]:
        return "s3" if self.use_s3 else "local"


class NotifySettings(Group, frozen=True, kw_only=True):
    """How the owner hears of new contacts and questions: a JSON webhook and/or an SNS topic."""

    webhook_url: HttpUrl | None = field(default=None, name="TWIN_NOTIFY_WEBHOOK_URL")
    sns_topic_arn: TopicArn | None = field(default=None, name="TWIN_NOTIFY_SNS_TOPIC_ARN")
    timeout_seconds: PositiveSeconds = field(default=5.0, name="TWIN_NOTIFY_TIMEOUT_SECONDS")
    #: Undelivered notifications are retried on a turn at most this often (and by `twin notify retry`).
    retry_seconds: NonNegativeSeconds = field(default=300.0, name="TWIN_NOTIFY_RETRY_SECONDS")
    #: Notifications sent for one conversation, for one client IP per hour, and in all per hour; the
    #: rest are still recorded and counted into an hourly digest (0 = no bound).
    per_session: Limit = field(default=2, name="TWIN_NOTIFY_PER_SESSION")
    per_ip_per_hour: Limit = field(default=3, name="TWIN_NOTIFY_PER_IP_PER_HOUR")
    per_hour: Limit = field(default=10, name="TWIN_NOTIFY_PER_HOUR")


class WebSettings(Group, frozen=True, kw_only=True):
    """The front end and the browsers allowed to call the API."""

    #: The built front end (`make web`); served at / to browsers when present, else the app is API only.
    web_dir: Path = field(default=Path("web/dist"), name="TWIN_WEB_DIR")
    #: Comma-separated in the environment; `*` allows any origin (logged as a warning at start-up).
    cors_origins: tuple[str, ...] = field(default=(), name="CORS_ORIGINS")
    #: Host names requests may be addressed to (the Host header, any port); others get a 400, so a
    #: DNS-rebinding page cannot reach a local twin. The Pulumi program sets the deployed API's.
    allowed_hosts: tuple[HostName, ...] = field(
        default=("localhost", "127.0.0.1", "[::1]"), name="TWIN_ALLOWED_HOSTS"
    )


class ServeSettings(Group, frozen=True, kw_only=True):
    """`twin serve`: how long uvicorn waits for clients and how many it serves at once."""

    #: An idle connection is closed after this long between requests.
    keep_alive_seconds: PositiveSeconds = field(default=5.0, name="TWIN_SERVE_KEEP_ALIVE_SECONDS")
    #: A client must send a whole request (headers and body) within this long, or is disconnected.
    request_timeout_seconds: PositiveSeconds = field(default=10.0, name="TWIN_SERVE_REQUEST_TIMEOUT_SECONDS")
    #: Connections served at once; more are answered with 503.
    max_concurrency: Positive = field(default=100, name="TWIN_SERVE_MAX_CONCURRENCY")


class OwnerSettings(Group, frozen=True, kw_only=True):
    """The owner's side of the twin."""

    #: How long a process keeps the owner's answers before reading them from the records store again.
    answers_refresh_seconds: NonNegativeSeconds = field(default=60.0, name="TWIN_ANSWERS_REFRESH_SECONDS")
    #: Opens the owner's room at /owner (docs/owner-room.md); unset, every /owner route is a 404.
    password: Password | None = field(default=None, name="TWIN_OWNER_PASSWORD")
    #: Name of an SSM SecureString parameter holding the password (Lambda); read once per container.
    password_parameter: str | None = field(default=None, name="TWIN_OWNER_PASSWORD_PARAMETER")
    #: How long a sign-in lasts.
    session_hours: Annotated[float, Meta(gt=0, le=720)] = field(default=12.0, name="TWIN_OWNER_SESSION_HOURS")
    #: After stepping into a conversation, the twin answers again by itself once the owner has said
    #: nothing for this long.
    quiet_seconds: Annotated[float, Meta(ge=10, le=86_400)] = field(
        default=300.0, name="TWIN_OWNER_QUIET_SECONDS"
    )

    @property
    def room_open(self) -> bool:
        """Whether the owner's room is served (a password is set)."""
        return self.password is not None


class McpSettings(Group, frozen=True, kw_only=True):
    """The MCP endpoint (/mcp), through which other people's AI assistants ask the twin."""

    enabled: bool = field(default=True, name="TWIN_MCP")
    #: `leave_message` calls per client IP per hour: each one can notify the owner, so stricter than chat.
    messages_per_hour: Limit = field(default=3, name="TWIN_MCP_MESSAGES_PER_HOUR")


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything configurable. Only `from_env` reads the environment; the app receives this object."""

    persona_dir: Path = field(default=Path("persona"), name="PERSONA_DIR")
    log_level: LogLevel = field(default="INFO", name="TWIN_LOG_LEVEL")
    model: ModelSettings = field(default_factory=ModelSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    web: WebSettings = field(default_factory=WebSettings)
    owner: OwnerSettings = field(default_factory=OwnerSettings)
    serve: ServeSettings = field(default_factory=ServeSettings)
    mcp: McpSettings = field(default_factory=McpSettings)

    def __post_init__(self) -> None:
        """The rules that involve more than one variable (the one place for them)."""
        storage, limits, model = self.storage, self.limits, self.model
        if model.provider_name == "bedrock" and not (model.aws_region or model.base_url):
            raise SettingsError("TWIN_PROVIDER=bedrock needs AWS_REGION (or OPENAI_BASE_URL)")
        if model.http_client == "aiohttp" and not aiohttp_installed():
            raise SettingsError("TWIN_HTTP_CLIENT=aiohttp needs aiohttp installed (pip install aiohttp)")
        if storage.use_s3 and not storage.s3_bucket:
            raise SettingsError("USE_S3=true needs S3_BUCKET")
        if storage.use_s3 and _folder(storage.s3_records_prefix) == _folder(storage.s3_prefix):
            raise SettingsError("S3_RECORDS_PREFIX must differ from S3_PREFIX")
        needed = body_bytes_needed(limits.max_message_chars)
        if limits.max_body_bytes < needed:
            raise SettingsError(
                f"TWIN_MAX_BODY_BYTES must be at least {needed} ({JSON_BYTES_PER_CHAR} bytes per "
                f"character of TWIN_MAX_MESSAGE_CHARS={limits.max_message_chars}, plus "
                f"{CHAT_BODY_ENVELOPE}), so that no message within the limit is refused for its JSON "
                f"encoding; got {limits.max_body_bytes}"
            )

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
    ) -> Settings:
        """Settings from `environ` (default: the process environment) over the `.env` file's values.

        Raises: SettingsError naming the variable whose value is invalid.
        """
        values = read_env_file(env_file) if env_file else {}
        values.update(os.environ if environ is None else environ)
        return read(cls, values)


#: Environment variable -> (group, attribute); `("", name)` for top-level ones. A public interface.
ENV_VARS: dict[str, tuple[str, str]] = variables(Settings)


def env_var(path: str) -> str:
    """The environment variable of a setting, by its path (`"storage.use_s3"`, `"persona_dir"`)."""
    group, _, attribute = path.rpartition(".")
    for variable, where in ENV_VARS.items():
        if where == (group, attribute):
            return variable
    raise KeyError(f"no environment variable for Settings.{path}")


def _folder(prefix: str) -> str:
    prefix = prefix.strip().strip("/")
    return prefix + "/" if prefix else ""


#: Most bytes one character of a message can take in a JSON body: an escaped astral character
#: (`"\ud83d\ude00"`), as Python's `json.dumps` and `requests` send non-ASCII text by default.
JSON_BYTES_PER_CHAR = 12
#: Room in a chat body for everything but the message (field names, session id, idempotency key).
CHAT_BODY_ENVELOPE = 1024


@cache
def aiohttp_installed() -> bool:
    """Whether aiohttp can be imported (found without importing it)."""
    return find_spec("aiohttp") is not None


def body_bytes_needed(max_message_chars: int) -> int:
    """The smallest body limit that never refuses (413) a message within `max_message_chars`."""
    return max_message_chars * JSON_BYTES_PER_CHAR + CHAT_BODY_ENVELOPE


@cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings.from_env()
