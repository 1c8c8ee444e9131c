"""The stack's configuration: typed, validated, with the app's own settings as defaults.

Keys live in the `twin:` namespace of `Pulumi.<stack>.yaml`. Every value is checked before any resource
is declared, and a bad one stops `pulumi up` with a message naming the key.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import PurePosixPath

import msgspec
import pulumi
import pulumi.runtime.config
from pulumi_aws import Region

from service.settings import MAX_RETENTION_DAYS, PASSWORD_MIN_LENGTH, Password, ProfileName, Settings

#: The app's defaults: the stack uses the same model and retention unless configured otherwise.
APP_DEFAULTS = Settings()

#: Every region the AWS provider knows.
REGIONS = frozenset(region.value for region in Region)

#: The retention periods CloudWatch Logs accepts, in days.
LOG_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)

#: API Gateway gives up on an integration after 30 seconds whatever the Lambda's timeout.
API_INTEGRATION_TIMEOUT_SECONDS = 30
#: What a turn needs besides its model call (reading and storing it, charging it, answering).
TURN_MARGIN_SECONDS = 5

DEFAULT_LAMBDA_PACKAGE = "dist/lambda.zip"
DEFAULT_WEB_DIR = "web/dist"

_PROJECT_NAME = re.compile(r"[a-z][a-z0-9-]{0,19}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


class ConfigError(pulumi.RunError):
    """A stack config value is invalid; the message names the key. Pulumi prints it without a trace."""


class TwinConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, rename="camel"):
    """One stack's settings; field `lambda_timeout` is config key `twin:lambdaTimeout`."""

    region: str
    project_name: str = "twin"
    #: The model's provider profile. `bedrock` needs no stored key: the Lambda mints short-term keys
    #: from its role, which may invoke `model` only.
    provider: ProfileName = "openai"
    model: str = APP_DEFAULTS.model.name
    lambda_timeout: int = 30
    lambda_memory: int = 512
    throttle_burst_limit: int = 10
    throttle_rate_limit: float = 5.0
    memory_retention_days: int = APP_DEFAULTS.storage.retention_days
    log_retention_days: int = 14
    cors_origins: tuple[str, ...] = ()
    cloudfront: bool = False
    protect_memory: bool = False
    lambda_package: str = DEFAULT_LAMBDA_PACKAGE
    web_dir: str = DEFAULT_WEB_DIR
    #: Model tokens all visitors may use per UTC day / calendar month before the twin answers offline.
    daily_token_budget: int = APP_DEFAULTS.limits.daily_token_budget
    monthly_token_budget: int = APP_DEFAULTS.limits.monthly_token_budget
    #: Subscribed by email to the stack's notification topic (new contacts and questions); optional.
    owner_email: str | None = None
    #: A second function streams POST /chat/stream through a function URL (false: the buffered API only).
    streaming: bool = True
    #: Reserved concurrency of the streaming function: at most this many streams at once.
    stream_concurrency: int = 10
    #: Lambda SnapStart on the buffered function (published versions behind the `live` alias).
    snap_start: bool = False
    #: The MCP endpoint (POST /mcp) for other people's AI assistants: routed and on (TWIN_MCP).
    mcp: bool = APP_DEFAULTS.mcp.enabled

    def validate(self) -> None:
        """Reject values that decode but that AWS would refuse or that make no sense."""
        if not _PROJECT_NAME.fullmatch(self.project_name):
            _fail("projectName", "must be 1-20 lowercase letters, digits or '-', starting with a letter")
        if self.region not in REGIONS:
            _fail("region", f"unknown AWS region {self.region!r}")
        if self.provider == "ollama":
            _fail("provider", "ollama serves models on your own machine, which a Lambda cannot reach")
        if not self.model.strip():
            _fail("model", "must not be empty")
        if self.uses_bedrock and "." not in self.model:
            _fail(
                "model",
                f"{self.model!r} is not a Bedrock model ID (provider.model, such as "
                "anthropic.claude-3-5-haiku-20241022-v1:0); set twin:model with twin:provider bedrock",
            )
        if not 1 <= self.lambda_timeout <= 900:
            _fail("lambdaTimeout", f"must be 1-900 seconds, got {self.lambda_timeout}")
        if not 128 <= self.lambda_memory <= 10240:
            _fail("lambdaMemory", f"must be 128-10240 MB, got {self.lambda_memory}")
        if self.throttle_burst_limit <= 0:
            _fail("throttleBurstLimit", f"must be positive, got {self.throttle_burst_limit}")
        if self.throttle_rate_limit <= 0:
            _fail("throttleRateLimit", f"must be positive, got {self.throttle_rate_limit:g}")
        if not 1 <= self.memory_retention_days <= MAX_RETENTION_DAYS:
            _fail("memoryRetentionDays", f"must be 1-{MAX_RETENTION_DAYS}, got {self.memory_retention_days}")
        if self.daily_token_budget < 0:
            _fail("dailyTokenBudget", f"must be 0 (no cap) or more, got {self.daily_token_budget}")
        if self.monthly_token_budget < 0:
            _fail("monthlyTokenBudget", f"must be 0 (no cap) or more, got {self.monthly_token_budget}")
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            allowed = ", ".join(str(days) for days in sorted(LOG_RETENTION_DAYS))
            _fail("logRetentionDays", f"must be one of {allowed}; got {self.log_retention_days}")
        for origin in self.cors_origins:
            if not _ORIGIN.fullmatch(origin):
                _fail("corsOrigins", f"{origin!r} is not an origin like https://example.com (no path)")
        if self.owner_email is not None and not _EMAIL.fullmatch(self.owner_email):
            _fail("ownerEmail", "must be an email address like owner@example.com")
        if self.stream_concurrency <= 0:
            _fail(
                "streamConcurrency",
                f"must be positive, got {self.stream_concurrency} (twin:streaming false turns streaming off)",
            )
        if PurePosixPath(self.lambda_package).suffix != ".zip":
            _fail("lambdaPackage", f"must be a .zip file, got {self.lambda_package!r}")

    @property
    def uses_bedrock(self) -> bool:
        return self.provider == "bedrock"

    @property
    def api_timeout_ms(self) -> int:
        """How long API Gateway waits for the Lambda: its timeout, capped by API Gateway's own."""
        return min(self.lambda_timeout, API_INTEGRATION_TIMEOUT_SECONDS) * 1000

    @property
    def model_deadline_seconds(self) -> int:
        """How long one model call may take (TWIN_LLM_DEADLINE_SECONDS): what API Gateway waits for
        the function, less the rest of the turn, so a slow model ends in the app's own 503 with
        Retry-After (an `error` event on a stream), not in the platform cutting the function off."""
        return max(1, self.api_timeout_ms // 1000 - TURN_MARGIN_SECONDS)


def config_keys() -> dict[str, msgspec.inspect.Type]:
    """Config key -> its type, for every key `read_config` reads."""
    info = msgspec.inspect.type_info(TwinConfig)
    assert isinstance(info, msgspec.inspect.StructType)
    return {field.encode_name: field.type for field in info.fields}


def read_config(config: pulumi.Config) -> TwinConfig:
    """The stack's validated settings from the `twin:` namespace.

    Raises: ConfigError naming the key whose value is missing or invalid.
    """
    raw: dict[str, object] = {}
    for key, kind in config_keys().items():
        value = config.get(key)
        if value is None:
            continue
        if isinstance(kind, msgspec.inspect.VarTupleType):
            raw[key] = _json_list(key, value)
        else:
            raw[key] = value
    return parse_config(raw)


def _json_list(key: str, value: str) -> object:
    """A list key as Pulumi passes it (JSON); a bare string gets a hint instead of a JSON error."""
    try:
        return msgspec.json.decode(value)
    except msgspec.DecodeError:
        raise ConfigError(
            f"twin:{key} must be a list: pulumi config set --path 'twin:{key}[0]' {value}"
        ) from None


def parse_config(raw: dict[str, object]) -> TwinConfig:
    """Decode and validate raw config values (strings as Pulumi passes them, or typed values)."""
    try:
        parsed = msgspec.convert(raw, TwinConfig, strict=False)
    except msgspec.ValidationError as exc:
        raise ConfigError(_explain(str(exc))) from None
    parsed.validate()
    return parsed


def _choices(key: str) -> list[str]:
    """The values a key of a Literal type accepts (empty for other types)."""
    kind = config_keys().get(key)
    return [str(value) for value in kind.values] if isinstance(kind, msgspec.inspect.LiteralType) else []


#: Keys the program reads besides TwinConfig's own: the secrets, read as Pulumi Outputs.
SECRET_KEYS = ("openaiApiKey", "ownerPassword")


def check_known_keys(keys: Iterable[str], namespace: str) -> None:
    """A key of the program's namespace that nothing reads is a typo, which would deploy the default
    silently: refused, with the key it may have meant."""
    known = sorted({*config_keys(), *SECRET_KEYS})
    for full in sorted(keys):
        prefix, _, key = full.partition(":")
        if prefix == namespace and key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            _fail(
                key,
                "is not a setting of this program" + (f"; did you mean twin:{close[0]}?" if close else ""),
            )


def stack_keys() -> set[str]:
    """Every config key of the stack. Pulumi has no public call that lists them: the engine passes
    them to the program as PULUMI_CONFIG, and a program's unit tests set them in the process."""
    return {*pulumi.runtime.config.get_config_env(), *pulumi.runtime.config.CONFIG.get()}


def check_owner_password(password: str | None) -> None:
    """The owner's room opens only with a password the app accepts (service.settings.Password):
    refused here, before anything is created, rather than leaving /owner routed but closed."""
    if password is None:
        return
    try:
        msgspec.convert(password, Password)
    except msgspec.ValidationError:
        _fail(
            "ownerPassword",
            f"must be at least {PASSWORD_MIN_LENGTH} characters: the app would keep the room closed",
        )


def _fail(key: str, problem: str) -> None:
    raise ConfigError(f"twin:{key} {problem}")


def _explain(message: str) -> str:
    missing = re.search(r"missing required field `(\w+)`", message)
    if missing:
        key = missing.group(1)
        return f"twin:{key} is required: pulumi config set twin:{key} <value>"
    located = re.search(r"^(.*) - at `\$\.(\w+)", message)
    if located:
        problem, key = located.groups()
        choices = _choices(key)
        return f"twin:{key}: {problem}" + (f"; one of {', '.join(choices)}" if choices else "")
    return f"invalid stack config: {message}"
