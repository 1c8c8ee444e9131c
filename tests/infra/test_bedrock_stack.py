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


def test_a_bedrock_stack_stores_no_key_and_tells_the_twin_to_use_bedrock(bedrock: Deployment) -> None:
    assert bedrock.of_type(PARAMETER) == []
    env = bedrock.one(FUNCTION).inputs["environment"]["variables"]
    assert (env["TWIN_PROVIDER"], env["TWIN_MODEL"]) == ("bedrock", MODEL)
    assert "OPENAI_API_KEY_PARAMETER" not in env and "AWS_REGION" not in env  # Lambda sets the region


def test_the_role_may_invoke_the_configured_model_only_with_short_term_keys(bedrock: Deployment) -> None:
    [role_policy] = bedrock.of_type(ROLE_POLICY)
    statements = policy(role_policy)
    model_arn = f"arn:aws:bedrock:us-east-1::foundation-model/{MODEL}"
    bedrock_grants = {grant for grant in grants(statements) if grant[0].startswith("bedrock:")}
    assert bedrock_grants == {
        ("bedrock:InvokeModel", model_arn),
        ("bedrock:InvokeModelWithResponseStream", model_arn),
        ("bedrock:CallWithBearerToken", "*"),
    }
    (key_use,) = [s for s in statements if "bedrock:CallWithBearerToken" in as_list(s["Action"])]
    assert key_use["Condition"] == {"StringEquals": {"bedrock:bearerTokenType": "SHORT_TERM"}}
    assert grants(statements) - bedrock_grants == expected_grants(bedrock, with_key=False)
    assert not any("*" in action for s in statements for action in as_list(s["Action"]))


def test_an_openai_stack_gets_no_bedrock_grant(deployment: Deployment) -> None:
    [role_policy] = deployment.of_type(ROLE_POLICY)
    assert "bedrock" not in json.dumps(policy(role_policy))


def test_an_unknown_provider_is_refused_by_key() -> None:
    with pytest.raises(ConfigError, match="twin:provider"):
        parse_config({"region": "us-east-1", "provider": "claude"})
