"""A Bedrock stack under Pulumi's mocks: no stored key, a Lambda that mints short-term keys from its
role, and a role that may invoke the configured model only."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from infra.config import ConfigError, parse_config
from tests.infra.harness import Deployment
from tests.infra.test_program import (
    FUNCTION,
    PARAMETER,
    PARTS,
    ROLE_POLICY,
    as_list,
    expected_grants,
    grants,
    policy,
)

MODEL = "openai.gpt-oss-120b-1:0"


@pytest.fixture
def bedrock(deploy_stack: Callable[..., Deployment], stack: str) -> Deployment:
    """Each committed stack switched to Bedrock, even with an OpenAI key set (it is not stored)."""
    return deploy_stack(stack, provider="bedrock", model=MODEL)


@pytest.mark.parametrize("part", PARTS)
def test_a_bedrock_stack_stores_no_key_and_tells_the_twin_to_use_bedrock(
    bedrock: Deployment, part: str
) -> None:
    assert bedrock.of_type(PARAMETER) == []
    env = bedrock.one(FUNCTION, f"-{part}").inputs["environment"]["variables"]
    assert (env["TWIN_PROVIDER"], env["TWIN_MODEL"]) == ("bedrock", MODEL)
    assert "OPENAI_API_KEY_PARAMETER" not in env and "AWS_REGION" not in env  # Lambda sets the region


@pytest.mark.parametrize("part", PARTS)
def test_the_role_may_invoke_the_configured_model_only_with_short_term_keys(
    bedrock: Deployment, part: str
) -> None:
    statements = policy(bedrock.named(f"twin-{bedrock.stack}-{part}-policy"))
    model_arn = f"arn:aws:bedrock:us-east-1::foundation-model/{MODEL}"
    bedrock_grants = {grant for grant in grants(statements) if grant[0].startswith("bedrock:")}
    assert bedrock_grants == {
        ("bedrock:InvokeModel", model_arn),
        ("bedrock:InvokeModelWithResponseStream", model_arn),
        ("bedrock:CallWithBearerToken", "*"),
    }
    (key_use,) = [s for s in statements if "bedrock:CallWithBearerToken" in as_list(s["Action"])]
    assert key_use["Condition"] == {"StringEquals": {"bedrock:bearerTokenType": "SHORT_TERM"}}
    assert grants(statements) - bedrock_grants == expected_grants(bedrock, with_key=False, part=part)
    assert not any("*" in action for s in statements for action in as_list(s["Action"]))


def test_an_openai_stack_gets_no_bedrock_grant(deployment: Deployment) -> None:
    for role_policy in deployment.of_type(ROLE_POLICY):
        assert "bedrock" not in json.dumps(policy(role_policy))


def test_an_unknown_provider_is_refused_by_key() -> None:
    with pytest.raises(ConfigError, match="twin:provider"):
        parse_config({"region": "us-east-1", "provider": "claude"})


def test_bedrock_with_a_model_name_bedrock_does_not_know_is_refused() -> None:
    """The app's default model (gpt-4o-mini) is not a Bedrock model ID: every turn would fail."""
    with pytest.raises(ConfigError, match=r"twin:model 'gpt-4o-mini' is not a Bedrock model ID"):
        parse_config({"region": "us-east-1", "provider": "bedrock"})
    assert parse_config({"region": "us-east-1", "provider": "bedrock", "model": MODEL}).model == MODEL
