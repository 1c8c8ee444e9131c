"""Stack config: typed, validated, with clear errors naming the key, before any resource is declared."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from infra.config import APP_DEFAULTS, ConfigError, TwinConfig, check_known_keys, config_keys, parse_config
from tests.infra.harness import STACKS, Deployment, stack_config


def parse(**values: object) -> TwinConfig:
    return parse_config({"region": "eu-west-1", **values})


@pytest.mark.parametrize("stack", STACKS)
def test_committed_stack_files_are_valid_and_keep_the_seed_variables(stack: str) -> None:
    raw = stack_config(stack)
    assert all(key.startswith("twin:") for key in raw)
    assert {key.removeprefix("twin:") for key in raw} <= set(config_keys())
    values: dict[str, object] = {key.removeprefix("twin:"): value for key, value in raw.items()}
    values["corsOrigins"] = json.loads(raw["twin:corsOrigins"])
    config = parse_config(values)
    assert config.project_name == "twin"
    assert (config.throttle_burst_limit, config.throttle_rate_limit) == (10, 5.0)
    assert config.lambda_timeout == 30


def test_only_prod_uses_cloudfront_and_protects_memory() -> None:
    flags = {
        stack: (stack_config(stack)["twin:cloudfront"], stack_config(stack)["twin:protectMemory"])
        for stack in STACKS
    }
    assert flags == {"dev": ("false", "false"), "test": ("false", "false"), "prod": ("true", "true")}


def test_defaults_come_from_the_seed_and_the_app_settings() -> None:
    config = parse()
    assert config.project_name == "twin"
    assert (config.throttle_burst_limit, config.throttle_rate_limit) == (10, 5.0)
    assert config.model == APP_DEFAULTS.model.name
    assert config.memory_retention_days == APP_DEFAULTS.storage.retention_days
    assert (config.cloudfront, config.cors_origins, config.lambda_package) == (False, (), "dist/lambda.zip")
    assert (config.streaming, config.stream_concurrency, config.snap_start) == (True, 10, False)
    assert config.mcp is APP_DEFAULTS.mcp.enabled is True


def test_string_values_as_pulumi_passes_them_are_decoded() -> None:
    config = parse(lambdaTimeout="20", throttleRateLimit="2.5", cloudfront="true", lambdaMemory="1024")
    assert (config.lambda_timeout, config.throttle_rate_limit, config.cloudfront) == (20, 2.5, True)
    assert config.lambda_memory == 1024


def test_a_model_call_ends_before_the_function_is_cut_off() -> None:
    """TWIN_LLM_DEADLINE_SECONDS leaves the turn time to store, charge and answer with its own 503."""
    assert parse().model_deadline_seconds == 25
    assert parse(lambdaTimeout=900).model_deadline_seconds == 25  # API Gateway waits 30 s at most
    assert parse(lambdaTimeout=12).model_deadline_seconds == 7
    assert parse(lambdaTimeout=3).model_deadline_seconds == 1


def test_api_gateway_timeout_is_the_lambda_timeout_capped_at_30_seconds() -> None:
    assert parse(lambdaTimeout=10).api_timeout_ms == 10_000
    assert parse(lambdaTimeout=120).api_timeout_ms == 30_000


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"throttleRateLimit": "0"}, "twin:throttleRateLimit must be positive, got 0"),
        ({"throttleRateLimit": "-1.5"}, "twin:throttleRateLimit must be positive, got -1.5"),
        ({"throttleBurstLimit": "0"}, "twin:throttleBurstLimit must be positive"),
        ({"region": "mars-north-1"}, "twin:region unknown AWS region 'mars-north-1'"),
        ({"lambdaTimeout": "901"}, "twin:lambdaTimeout must be 1-900 seconds, got 901"),
        ({"lambdaTimeout": "soon"}, "twin:lambdaTimeout: Expected `int`, got `str`"),
        ({"lambdaMemory": "64"}, "twin:lambdaMemory must be 128-10240 MB"),
        ({"memoryRetentionDays": "0"}, "twin:memoryRetentionDays must be 1-36500"),
        ({"memoryRetentionDays": "800000"}, "twin:memoryRetentionDays must be 1-36500"),
        ({"dailyTokenBudget": "-1"}, "twin:dailyTokenBudget must be 0 (no cap) or more"),
        ({"monthlyTokenBudget": "-5"}, "twin:monthlyTokenBudget must be 0 (no cap) or more"),
        ({"logRetentionDays": "10"}, "twin:logRetentionDays must be one of 1, 3, 5, 7, 14"),
        (
            {"corsOrigins": ["https://example.com/app"]},
            "twin:corsOrigins 'https://example.com/app' is not an origin",
        ),
        ({"corsOrigins": "https://example.com"}, "twin:corsOrigins: Expected `array`, got `str`"),
        ({"projectName": "Twin_Prod"}, "twin:projectName must be 1-20 lowercase letters"),
        ({"model": "  "}, "twin:model must not be empty"),
        ({"provider": "ollama"}, "twin:provider ollama serves models on your own machine"),
        (
            {"provider": "mistral"},
            "twin:provider: Invalid enum value 'mistral'; one of anthropic, bedrock, gemini, ollama, openai",
        ),
        ({"cloudfront": "maybe"}, "twin:cloudfront: Expected `bool`"),
        ({"lambdaPackage": "dist/lambda.tar"}, "twin:lambdaPackage must be a .zip file"),
        ({"ownerEmail": "owner at example"}, "twin:ownerEmail must be an email address"),
        ({"streamConcurrency": "0"}, "twin:streamConcurrency must be positive, got 0 (twin:streaming false"),
        ({"streaming": "sometimes"}, "twin:streaming: Expected `bool`"),
        ({"snapStart": "maybe"}, "twin:snapStart: Expected `bool`"),
        ({"mcp": "sometimes"}, "twin:mcp: Expected `bool`"),
    ],
)
def test_invalid_values_fail_with_a_message_naming_the_key(values: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse(**values)
    assert str(raised.value).startswith(message)


def test_a_missing_region_says_how_to_set_it() -> None:
    with pytest.raises(ConfigError, match=r"twin:region is required: pulumi config set twin:region"):
        parse_config({})


def test_invalid_stack_config_stops_the_program_before_any_resource(
    deploy_stack: Callable[..., Deployment],
) -> None:
    with pytest.raises(ConfigError, match="twin:throttleRateLimit must be positive, got 0"):
        deploy_stack("dev", throttleRateLimit="0")
    with pytest.raises(ConfigError, match="twin:region unknown AWS region 'moon-1'"):
        deploy_stack("test", region="moon-1")


def test_a_list_key_set_as_a_plain_string_says_how_to_set_a_list(
    deploy_stack: Callable[..., Deployment],
) -> None:
    with pytest.raises(ConfigError, match=r"twin:corsOrigins must be a list: pulumi config set --path"):
        deploy_stack("dev", corsOrigins="https://a.example")


def test_only_the_programs_own_namespace_is_checked_for_unknown_keys() -> None:
    check_known_keys({"aws:region", "twin:region", "twin:ownerPassword", "other:anything"}, "twin")
    with pytest.raises(ConfigError, match=r"twin:streamConcurency is not .* twin:streamConcurrency"):
        check_known_keys({"twin:streamConcurency"}, "twin")
    with pytest.raises(ConfigError, match=r"twin:xyzzy is not a setting of this program$"):
        check_known_keys({"twin:xyzzy"}, "twin")
