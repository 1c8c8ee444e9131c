"""The whole program under Pulumi's mocks, for each committed stack: what `pulumi up` would create."""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pulumi
import pytest

from infra.frontend import SIMPLE_CORS
from infra.function import HANDLER, RUNTIME
from infra.routes import app_routes
from service.settings import ENV_VARS, Settings
from tests.infra.conftest import API_KEY, WEB_FILES
from tests.infra.harness import ACCOUNT, API_ID, CDN_DOMAIN, REPO, Deployment, invoke_arn, is_secret

BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
WEBSITE = "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration"
BUCKET_CORS = "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration"
OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"
OAC = "aws:cloudfront/originAccessControl:OriginAccessControl"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
PARAMETER = "aws:ssm/parameter:Parameter"
FUNCTION = "aws:lambda/function:Function"
PERMISSION = "aws:lambda/permission:Permission"
API = "aws:apigatewayv2/api:Api"
INTEGRATION = "aws:apigatewayv2/integration:Integration"
ROUTE = "aws:apigatewayv2/route:Route"
STAGE = "aws:apigatewayv2/stage:Stage"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
ALIAS = "aws:lambda/alias:Alias"
FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
#: The twin's functions by name part: the buffered API's and the streaming one.
PARTS = ("api", "stream")

#: AWS resource types that take no tags (sub-resources of a bucket, policies, routes, permissions).
UNTAGGABLE = {
    PUBLIC_ACCESS,
    OWNERSHIP,
    ENCRYPTION,
    LIFECYCLE,
    BUCKET_POLICY,
    WEBSITE,
    BUCKET_CORS,
    OAC,
    ROLE_POLICY,
    PERMISSION,
    INTEGRATION,
    ROUTE,
    SUBSCRIPTION,
    ALIAS,
    FUNCTION_URL,
    EVENT_TARGET,
}
APP = Settings()


def cfg(deployment: Deployment, key: str) -> Any:
    value = deployment.config[f"twin:{key}"]
    return json.loads(value) if value[:1] in "[{" else value


def policy(resource: Any) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = json.loads(resource.inputs["policy"])["Statement"]
    return statements


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def memory_bucket(d: Deployment) -> str:
    return str(d.outputs["memoryBucket"])


def frontend_bucket(d: Deployment) -> str:
    return str(d.outputs["frontendBucket"])


def for_bucket(d: Deployment, type_: str, bucket: str) -> Any:
    found = [r for r in d.of_type(type_) if r.inputs.get("bucket") == bucket]
    assert len(found) == 1, f"expected one {type_} for {bucket}, got {len(found)}"
    return found[0]


def walk(value: object, path: str = "") -> Iterator[tuple[str, object]]:
    """Every plain (non-secret) leaf of a recorded input, with its path."""
    if is_secret(value):
        return
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")
    else:
        yield path, value


# --- naming, tags, provider ---


def test_every_resource_is_named_after_the_project_and_stack(deployment: Deployment) -> None:
    prefix = f"twin-{deployment.stack}-"
    assert all(r.name.startswith(prefix) for r in deployment.resources), [
        r.name for r in deployment.resources if not r.name.startswith(prefix)
    ]
    physical = [r.inputs["name"] for r in deployment.resources if r.type in {FUNCTION, OAC}]
    assert all(name.startswith(prefix) for name in physical)


def test_every_aws_resource_is_a_child_of_one_of_the_twins_components(deployment: Deployment) -> None:
    chains = [urn.split("::")[2] for urn in deployment.urns]  # "<direct parent type>$<own type>"
    aws_chains = [chain for chain in chains if chain.split("$")[-1].startswith("aws:")]
    assert aws_chains
    assert all(chain.startswith("twin:infra:") for chain in aws_chains), aws_chains
    components = {chain.split("$")[0] for chain in aws_chains}
    assert components == {
        "twin:infra:MemoryBucket",
        "twin:infra:StaticSite",
        "twin:infra:ApiKeySecret",
        "twin:infra:TwinFunction",
        "twin:infra:HttpApi",
        "twin:infra:SiteContent",
        "twin:infra:OwnerTopic",
        "twin:infra:StreamEndpoint",
        "twin:infra:RetentionSchedule",
    }


def test_every_taggable_resource_carries_project_stack_and_managed_by_tags(deployment: Deployment) -> None:
    expected = {"project": "twin", "stack": deployment.stack, "managed-by": "pulumi"}
    taggable = [r for r in deployment.resources if r.type.startswith("aws:") and r.type not in UNTAGGABLE]
    assert {r.type for r in taggable} >= {BUCKET, LOG_GROUP, ROLE, FUNCTION, API, STAGE, OBJECT, PARAMETER}
    untagged = [r.name for r in taggable if r.inputs.get("tags") != expected]
    assert untagged == []


def takes_tags(type_: str) -> bool:
    """Whether pulumi_aws's resource class for a type token (`aws:s3/bucket:Bucket`) accepts tags."""
    module, _, name = type_.removeprefix("aws:").partition(":")
    package = module.split("/")[0]
    package = "lambda_" if package == "lambda" else package  # `lambda` is a Python keyword
    args = getattr(importlib.import_module(f"pulumi_aws.{package}"), f"{name}Args")
    return "tags" in inspect.signature(args.__init__).parameters


def test_the_untagged_types_are_exactly_those_aws_cannot_tag(deployment: Deployment) -> None:
    types = {r.type for r in deployment.resources if r.type.startswith("aws:")}
    assert {t for t in types if not takes_tags(t)} == UNTAGGABLE & types


def test_every_aws_resource_uses_the_provider_of_the_configured_region(deployment: Deployment) -> None:
    provider = deployment.one("pulumi:providers:aws")
    assert provider.inputs["region"] == cfg(deployment, "region")
    aws_resources = [r for r in deployment.resources if r.type.startswith("aws:")]
    assert aws_resources
    assert all(f"::{provider.name}::" in (r.provider or "") for r in aws_resources)


def test_the_stack_exports_both_urls_both_buckets_and_the_function(deployment: Deployment) -> None:
    outputs = deployment.outputs
    stack = deployment.stack
    assert outputs["apiUrl"] == f"https://{API_ID}.execute-api.us-east-1.amazonaws.com"
    assert outputs["memoryBucket"].startswith(f"twin-{stack}-memory")
    assert outputs["frontendBucket"].startswith(f"twin-{stack}-frontend")
    assert outputs["functionName"] == f"twin-{stack}-api"
    if cfg(deployment, "cloudfront") == "true":
        assert outputs["frontendUrl"] == f"https://{CDN_DOMAIN}"
    else:
        assert outputs["frontendUrl"] == (
            f"http://{outputs['frontendBucket']}.s3-website-us-east-1.amazonaws.com"
        )


# --- memory bucket ---


def test_memory_bucket_is_private_owner_enforced_and_encrypted(deployment: Deployment) -> None:
    bucket = memory_bucket(deployment)
    block = for_bucket(deployment, PUBLIC_ACCESS, bucket).inputs
    assert [block[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls")] == [True] * 3
    assert block["restrictPublicBuckets"] is True
    ownership = for_bucket(deployment, OWNERSHIP, bucket).inputs
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    encryption = for_bucket(deployment, ENCRYPTION, bucket).inputs
    assert encryption["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"


def test_memory_bucket_denies_every_request_without_tls(deployment: Deployment) -> None:
    bucket = memory_bucket(deployment)
    [statement] = policy(for_bucket(deployment, BUCKET_POLICY, bucket))
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statement["Resource"] == [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]


def test_memory_bucket_expires_conversations_after_the_stack_retention(deployment: Deployment) -> None:
    [rule] = for_bucket(deployment, LIFECYCLE, memory_bucket(deployment)).inputs["rules"]
    assert rule["status"] == "Enabled"
    assert rule["filter"] == {"prefix": APP.storage.s3_prefix}
    assert rule["expiration"]["days"] == int(cfg(deployment, "memoryRetentionDays"))


def test_memory_bucket_is_protected_only_where_the_stack_says(deployment: Deployment) -> None:
    protected = cfg(deployment, "protectMemory") == "true"
    bucket = deployment.one(BUCKET, "memory")
    assert bucket.inputs["forceDestroy"] is (not protected)


# --- front end ---


def test_website_front_end_is_public_read_only(deploy_stack: Callable[..., Deployment], stack: str) -> None:
    deployment = deploy_stack(stack, cloudfront="false")
    bucket = frontend_bucket(deployment)
    website = for_bucket(deployment, WEBSITE, bucket).inputs
    assert website["indexDocument"] == {"suffix": "index.html"}
    block = for_bucket(deployment, PUBLIC_ACCESS, bucket).inputs
    assert block["blockPublicAcls"] is True and block["ignorePublicAcls"] is True
    assert block["blockPublicPolicy"] is False and block["restrictPublicBuckets"] is False
    [statement] = policy(for_bucket(deployment, BUCKET_POLICY, bucket))
    assert statement == {
        "Sid": "PublicReadsObjects",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    assert deployment.of_type(DISTRIBUTION) == []
    [rule] = for_bucket(deployment, BUCKET_CORS, bucket).inputs["corsRules"]
    assert rule == {"allowedMethods": ["GET", "HEAD"], "allowedOrigins": ["*"], "maxAgeSeconds": 3600}


def test_cloudfront_front_end_keeps_the_bucket_private_behind_origin_access_control(
    deploy_stack: Callable[..., Deployment], stack: str
) -> None:
    deployment = deploy_stack(stack, cloudfront="true")
    bucket = frontend_bucket(deployment)
    block = for_bucket(deployment, PUBLIC_ACCESS, bucket).inputs
    assert all(block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls"))
    assert block["restrictPublicBuckets"] is True
    assert deployment.of_type(WEBSITE) == []
    oac = deployment.one(OAC).inputs
    assert (oac["originAccessControlOriginType"], oac["signingBehavior"]) == ("s3", "always")
    cdn = deployment.one(DISTRIBUTION).inputs
    [origin] = cdn["origins"]
    assert origin["domainName"] == f"{bucket}.s3.us-east-1.amazonaws.com"
    assert origin["originAccessControlId"] == f"twin-{stack}-frontend-oac-id"
    behavior = cdn["defaultCacheBehavior"]
    assert behavior["viewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["allowedMethods"] == ["GET", "HEAD"]
    assert behavior["responseHeadersPolicyId"] == SIMPLE_CORS
    assert cdn["defaultRootObject"] == "index.html"
    read, tls = policy(for_bucket(deployment, BUCKET_POLICY, bucket))
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert read["Action"] == "s3:GetObject"
    assert read["Resource"] == f"arn:aws:s3:::{bucket}/*"
    assert read["Condition"] == {
        "StringEquals": {"AWS:SourceArn": f"arn:aws:cloudfront::{ACCOUNT}:distribution/E2EXAMPLE"}
    }
    assert tls["Effect"] == "Deny"
    assert deployment.outputs["frontendUrl"] == f"https://{CDN_DOMAIN}"


def test_every_web_file_is_uploaded_with_its_content_type(deployment: Deployment) -> None:
    objects = {r.inputs["key"]: r.inputs for r in deployment.of_type(OBJECT)}
    uploaded = {name for name in WEB_FILES if not name.startswith(("owner/", "."))}  # the app serves the room
    assert set(objects) == uploaded
    assert all(o["bucket"] == frontend_bucket(deployment) for o in objects.values())
    types = {key: o["contentType"] for key, o in objects.items()}
    assert types == {
        "index.html": "text/html; charset=utf-8",
        "assets/app.js": "text/javascript; charset=utf-8",
        "assets/app.css": "text/css; charset=utf-8",
        "logo.svg": "image/svg+xml",
        "fonts/inter.woff2": "font/woff2",
        "manifest.json": "application/json",
        "config.json": "application/json",
    }
    assert objects["index.html"]["cacheControl"] == "no-cache"


def test_runtime_config_names_the_deployed_api_and_replaces_the_built_one(deployment: Deployment) -> None:
    [config] = [r.inputs for r in deployment.of_type(OBJECT) if r.inputs["key"] == "config.json"]
    assert "source" not in config
    assert json.loads(config["content"]) == {
        "apiUrl": deployment.outputs["apiUrl"],
        "streamUrl": deployment.outputs["streamUrl"],
    }
    assert config["cacheControl"] == "no-cache"


# --- Lambda ---


def test_lambda_runs_the_package_with_the_configured_size(deployment: Deployment) -> None:
    function = deployment.one(FUNCTION, "-api").inputs
    assert function["runtime"] == RUNTIME == "python3.12"
    assert function["handler"] == HANDLER == "service.lambda_handler.handler"
    assert function["code"].path == deployment.config["twin:lambdaPackage"]
    assert function["sourceCodeHash"]
    assert function["memorySize"] == int(cfg(deployment, "lambdaMemory"))
    assert function["timeout"] == int(cfg(deployment, "lambdaTimeout"))
    assert function["role"] == f"arn:aws:iam::{ACCOUNT}:role/twin-{deployment.stack}-api-role"


def test_lambda_environment_points_at_the_memory_bucket_and_the_front_end(deployment: Deployment) -> None:
    env = deployment.one(FUNCTION, "-api").inputs["environment"]["variables"]
    assert set(env) <= set(ENV_VARS)
    assert env["USE_S3"] == "true"
    assert env["S3_BUCKET"] == memory_bucket(deployment)
    assert env["S3_PREFIX"] == APP.storage.s3_prefix
    assert env["S3_RECORDS_PREFIX"] == APP.storage.s3_records_prefix
    assert env["TWIN_RETENTION_DAYS"] == cfg(deployment, "memoryRetentionDays")
    assert env["TWIN_MODEL"] == cfg(deployment, "model")
    # the model call ends before API Gateway (30 s) gives up, with time left to answer 503 itself
    assert env["TWIN_LLM_DEADLINE_SECONDS"] == "25"
    assert env["TWIN_DAILY_TOKEN_BUDGET"] == cfg(deployment, "dailyTokenBudget")
    assert env["TWIN_MONTHLY_TOKEN_BUDGET"] == cfg(deployment, "monthlyTokenBudget")
    assert env["CORS_ORIGINS"].split(",") == [
        deployment.outputs["frontendUrl"],
        *cfg(deployment, "corsOrigins"),
    ]
    assert env["TWIN_ALLOWED_HOSTS"] == f"{API_ID}.execute-api.us-east-1.amazonaws.com"
    assert env["OPENAI_API_KEY_PARAMETER"] == f"/twin/{deployment.stack}/openai-api-key"
    assert env["TWIN_PROVIDER"] == "openai"
    assert "OPENAI_API_KEY" not in env
    assert (
        env["TWIN_NOTIFY_SNS_TOPIC_ARN"] == f"arn:aws:sns:us-east-1:{ACCOUNT}:twin-{deployment.stack}-owner"
    )


def test_lambda_log_group_has_the_configured_retention(deployment: Deployment) -> None:
    logs = deployment.named(f"twin-{deployment.stack}-api-logs").inputs
    assert logs["name"] == f"/aws/lambda/{deployment.outputs['functionName']}"
    assert logs["retentionInDays"] == int(cfg(deployment, "logRetentionDays"))


# --- IAM ---


def test_each_role_is_assumable_by_lambda_only(deployment: Deployment) -> None:
    roles = deployment.of_type(ROLE)
    assert sorted(role.name for role in roles) == [f"twin-{deployment.stack}-{part}-role" for part in PARTS]
    for role in roles:
        [statement] = policy_of(role.inputs["assumeRolePolicy"])
        assert statement == {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }


def policy_of(document: str) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = json.loads(document)["Statement"]
    return statements


def grants(statements: list[dict[str, Any]]) -> set[tuple[str, str]]:
    assert all(s["Effect"] == "Allow" and "NotAction" not in s and "NotResource" not in s for s in statements)
    return {(a, r) for s in statements for a in as_list(s["Action"]) for r in as_list(s["Resource"])}


def expected_grants(d: Deployment, with_key: bool, part: str = "api") -> set[tuple[str, str]]:
    """What the function `twin-<stack>-<part>` may do: the same for both, each with its own logs."""
    bucket = f"arn:aws:s3:::{memory_bucket(d)}"
    logs = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/twin-{d.stack}-{part}"
    allowed = {
        ("s3:GetObject", f"{bucket}/{APP.storage.s3_prefix}*"),
        ("s3:PutObject", f"{bucket}/{APP.storage.s3_prefix}*"),
        ("s3:DeleteObject", f"{bucket}/{APP.storage.s3_prefix}*"),
        ("s3:GetObject", f"{bucket}/{APP.storage.s3_records_prefix}*"),
        ("s3:PutObject", f"{bucket}/{APP.storage.s3_records_prefix}*"),
        ("s3:DeleteObject", f"{bucket}/{APP.storage.s3_records_prefix}*"),
        ("s3:ListBucket", bucket),
        ("logs:CreateLogStream", logs),
        ("logs:CreateLogStream", f"{logs}:*"),
        ("logs:PutLogEvents", logs),
        ("logs:PutLogEvents", f"{logs}:*"),
        ("sns:Publish", f"arn:aws:sns:us-east-1:{ACCOUNT}:twin-{d.stack}-owner"),
    }
    if with_key:
        parameter = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/twin/{d.stack}/openai-api-key"
        allowed.add(("ssm:GetParameter", parameter))
    return allowed


@pytest.mark.parametrize("part", PARTS)
def test_role_policy_grants_exactly_the_listed_actions_on_exactly_those_resources(
    deployment: Deployment, part: str
) -> None:
    role_policy = deployment.named(f"twin-{deployment.stack}-{part}-policy")
    assert role_policy.inputs["role"] == f"twin-{deployment.stack}-{part}-role-id"
    assert grants(policy(role_policy)) == expected_grants(deployment, with_key=True, part=part)


def test_role_has_no_wildcard_actions_and_no_managed_policies(deployment: Deployment) -> None:
    actions = [a for r in deployment.of_type(ROLE_POLICY) for s in policy(r) for a in as_list(s["Action"])]
    assert actions and not any("*" in action for action in actions)
    attached = [r for r in deployment.resources if r.type.startswith("aws:iam/") and "ttachment" in r.type]
    assert attached == []
    assert all("managedPolicyArns" not in role.inputs for role in deployment.of_type(ROLE))


def test_without_a_key_the_twin_runs_offline_with_no_parameter_and_no_ssm_grant(
    deploy_stack: Callable[..., Deployment], stack: str
) -> None:
    deployment = deploy_stack(stack, api_key=None)
    assert deployment.of_type(PARAMETER) == []
    for part in PARTS:
        env = deployment.one(FUNCTION, f"-{part}").inputs["environment"]["variables"]
        assert "OPENAI_API_KEY_PARAMETER" not in env
        assert env["TWIN_PROVIDER"] == "offline"
        role_policy = deployment.named(f"twin-{stack}-{part}-policy")
        assert grants(policy(role_policy)) == expected_grants(deployment, with_key=False, part=part)


# --- the secret ---


def test_key_is_stored_as_a_secure_string_parameter_from_a_secret(deployment: Deployment) -> None:
    parameter = deployment.one(PARAMETER).inputs
    assert parameter["type"] == "SecureString"
    assert parameter["name"] == f"/twin/{deployment.stack}/openai-api-key"
    assert is_secret(parameter["value"])
    assert parameter["value"]["value"] == API_KEY


def test_key_never_appears_in_plain_text_in_any_resource_input(deployment: Deployment) -> None:
    leaks = [
        f"{r.name}{path}"
        for r in deployment.resources
        for path, value in walk(r.inputs)
        if isinstance(value, str) and API_KEY in value
    ]
    assert leaks == []
    assert API_KEY not in json.dumps(deployment.outputs)


# --- the owner's room ---

OWNER_PASSWORD = "a long owner password, kept secret"


def test_the_owners_password_is_a_secure_string_only_the_api_function_may_read(
    deploy_stack: Callable[..., Deployment], stack: str
) -> None:
    deployment = deploy_stack(stack, owner_password=OWNER_PASSWORD)
    name = f"/twin/{stack}/owner-password"
    [parameter] = [p.inputs for p in deployment.of_type(PARAMETER) if p.inputs["name"] == name]
    assert parameter["type"] == "SecureString" and is_secret(parameter["value"])
    assert parameter["value"]["value"] == OWNER_PASSWORD
    arn = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/twin/{stack}/owner-password"
    for part in PARTS:
        env = deployment.one(FUNCTION, f"-{part}").inputs["environment"]["variables"]
        expected = expected_grants(deployment, with_key=True, part=part)
        if part == "api":
            assert env["TWIN_OWNER_PASSWORD_PARAMETER"] == name
            expected.add(("ssm:GetParameter", arn))
        else:  # the streaming door serves chat alone: it never learns the password
            assert "TWIN_OWNER_PASSWORD_PARAMETER" not in env
        assert "TWIN_OWNER_PASSWORD" not in env
        assert grants(policy(deployment.named(f"twin-{stack}-{part}-policy"))) == expected
    leaks = [
        f"{r.name}{path}"
        for r in deployment.resources
        for path, value in walk(r.inputs)
        if isinstance(value, str) and OWNER_PASSWORD in value
    ]
    assert leaks == [] and OWNER_PASSWORD not in json.dumps(deployment.outputs)


def test_the_owners_routes_are_in_the_api_only_when_a_password_opens_the_room(
    deploy_stack: Callable[..., Deployment],
) -> None:
    def keys(deployment: Deployment) -> set[str]:
        return {r.inputs["routeKey"] for r in deployment.of_type(ROUTE)}

    closed, opened = keys(deploy_stack("dev")), keys(deploy_stack("dev", owner_password=OWNER_PASSWORD))
    assert not any(" /owner" in key for key in closed)
    added = opened - closed
    assert added == {route.key for route in app_routes(owner_room=True)} - {r.key for r in app_routes()}
    assert {
        "GET /owner",
        "POST /owner/login",
        "GET /owner/api/conversations",
        "PUT /owner/api/instructions",
        "POST /owner/api/conversations/{session_id}/join",
        "GET /owner/static/{name}",
    } <= added


# --- HTTP API ---


def test_api_allows_the_front_end_origin_and_the_extra_ones(deployment: Deployment) -> None:
    api = deployment.one(API).inputs
    assert api["protocolType"] == "HTTP"
    cors = api["corsConfiguration"]
    assert cors["allowOrigins"] == [deployment.outputs["frontendUrl"], *cfg(deployment, "corsOrigins")]
    assert set(cors["allowMethods"]) == {route.method for route in app_routes()} | {"OPTIONS"}
    # the standard Idempotency-Key header too; a widget watching for the owner
    assert cors["allowHeaders"] == ["content-type", "idempotency-key", "if-none-match"]
    assert cors["exposeHeaders"] == ["etag", "retry-after"]


def test_default_stage_auto_deploys_throttled_from_config_with_access_logs(deployment: Deployment) -> None:
    stage = deployment.one(STAGE).inputs
    assert stage["name"] == "$default"
    assert stage["autoDeploy"] is True
    throttling = stage["defaultRouteSettings"]
    assert throttling["throttlingBurstLimit"] == int(cfg(deployment, "throttleBurstLimit")) == 10
    assert throttling["throttlingRateLimit"] == float(cfg(deployment, "throttleRateLimit")) == 5
    logs = deployment.named(f"twin-{deployment.stack}-http-access-logs").inputs
    assert stage["accessLogSettings"]["destinationArn"].endswith(f":log-group:{logs['name']}")
    assert json.loads(stage["accessLogSettings"]["format"])["requestId"] == "$context.requestId"


def test_throttling_follows_the_stack_config(deploy_stack: Callable[..., Deployment]) -> None:
    deployment = deploy_stack("dev", throttleBurstLimit="40", throttleRateLimit="12.5")
    throttling = deployment.one(STAGE).inputs["defaultRouteSettings"]
    assert (throttling["throttlingBurstLimit"], throttling["throttlingRateLimit"]) == (40, 12.5)


def test_api_proxies_to_the_lambda_and_only_this_api_may_invoke_it(deployment: Deployment) -> None:
    integration = deployment.one(INTEGRATION).inputs
    assert integration["integrationType"] == "AWS_PROXY"
    assert integration["payloadFormatVersion"] == "2.0"
    function_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:twin-{deployment.stack}-api"
    snap_start = cfg(deployment, "snapStart") == "true"
    invoked = f"{function_arn}:live" if snap_start else function_arn  # SnapStart: the alias
    assert integration["integrationUri"] == invoke_arn("us-east-1", invoked)
    assert integration["timeoutMilliseconds"] == min(int(cfg(deployment, "lambdaTimeout")), 30) * 1000
    permission = deployment.named(f"twin-{deployment.stack}-http-invoke").inputs
    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["principal"] == "apigateway.amazonaws.com"
    assert permission["function"] == f"twin-{deployment.stack}-api"
    assert permission.get("qualifier") == ("live" if snap_start else None)
    assert permission["sourceArn"] == f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{API_ID}/*/*"


def test_a_daily_rule_invokes_the_apis_function_for_retention_and_only_it_may(deployment: Deployment) -> None:
    """Was: nothing on Lambda applied retention to records (contacts, questions, feedback)."""
    rule = deployment.one(EVENT_RULE).inputs
    assert rule["scheduleExpression"] == "rate(1 day)"
    rule_arn = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/{rule['name']}"
    function_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:twin-{deployment.stack}-api"
    snap_start = cfg(deployment, "snapStart") == "true"
    target = deployment.one(EVENT_TARGET).inputs
    assert target["rule"] == rule["name"]
    assert target["arn"] == (f"{function_arn}:live" if snap_start else function_arn)
    assert "input" not in target  # the schedule's own event, which the handler recognises
    [permission] = [
        p.inputs for p in deployment.of_type(PERMISSION) if p.inputs["principal"] == "events.amazonaws.com"
    ]
    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["function"] == f"twin-{deployment.stack}-api"
    assert permission.get("qualifier") == ("live" if snap_start else None)
    assert permission["sourceArn"] == rule_arn


def test_every_route_targets_the_lambda_integration(deployment: Deployment) -> None:
    routes = deployment.of_type(ROUTE)
    assert routes
    assert {r.inputs["target"] for r in routes} == {f"integrations/twin-{deployment.stack}-http-lambda-id"}
    assert {r.inputs["apiId"] for r in routes} == {API_ID}


def test_the_program_imports_its_modules_from_the_package_not_from_infra_dir(deployment: Deployment) -> None:
    import memory  # infra/ is on sys.path while Pulumi runs the program; its modules must not shadow ours

    assert Path(memory.__file__).parent == REPO / "memory"
    assert all(Path(entry or ".").resolve() != REPO / "infra" for entry in sys.path)


# --- owner notifications ---


def test_each_stack_has_its_own_notification_topic_exported(deployment: Deployment) -> None:
    topic = deployment.one(TOPIC).inputs
    assert topic["name"] == f"twin-{deployment.stack}-owner"
    assert (
        deployment.outputs["notifyTopicArn"]
        == f"arn:aws:sns:us-east-1:{ACCOUNT}:twin-{deployment.stack}-owner"
    )


def test_without_owner_email_there_is_no_subscription(deployment: Deployment) -> None:
    assert "twin:ownerEmail" not in deployment.config
    assert deployment.of_type(SUBSCRIPTION) == []


def test_owner_email_subscribes_to_the_topic_by_email(
    deploy_stack: Callable[..., Deployment], stack: str
) -> None:
    deployment = deploy_stack(stack, ownerEmail="owner@example.com")
    subscription = deployment.one(SUBSCRIPTION).inputs
    assert subscription["protocol"] == "email"
    assert subscription["endpoint"] == "owner@example.com"
    assert subscription["topic"] == f"arn:aws:sns:us-east-1:{ACCOUNT}:twin-{stack}-owner"


@pytest.mark.parametrize("part", PARTS)
def test_the_lambda_may_publish_to_its_own_topic_only(deployment: Deployment, part: str) -> None:
    role_policy = deployment.named(f"twin-{deployment.stack}-{part}-policy")
    sns = [s for s in policy(role_policy) if any(a.startswith("sns:") for a in as_list(s["Action"]))]
    assert sns == [
        {
            "Sid": "NotifyOwner",
            "Effect": "Allow",
            "Action": ["sns:Publish"],
            "Resource": [f"arn:aws:sns:us-east-1:{ACCOUNT}:twin-{deployment.stack}-owner"],
        }
    ]


def test_the_app_answers_only_for_the_deployed_apis_host_name(deployment: Deployment) -> None:
    """The function's settings name the API's host (it exists before the function), and the API's
    routes invoke the function (added after it): no cycle, and no host but the API's is served."""
    env = deployment.one(FUNCTION, "-api").inputs["environment"]["variables"]
    host = urlsplit(deployment.outputs["apiUrl"]).hostname
    assert env["TWIN_ALLOWED_HOSTS"] == host
    settings = Settings.from_env({"TWIN_ALLOWED_HOSTS": env["TWIN_ALLOWED_HOSTS"]}, env_file=None)
    assert settings.web.allowed_hosts == (host,)
    order = [(r.type, r.name) for r in deployment.resources if r.custom]  # in the order they were made
    api, function = (API, f"twin-{deployment.stack}-http"), (FUNCTION, f"twin-{deployment.stack}-api")
    assert order.index(api) < order.index(function) < order.index((INTEGRATION, f"{api[1]}-lambda"))


def test_an_owner_password_the_app_would_refuse_stops_the_program(
    deploy_stack: Callable[..., Deployment],
) -> None:
    """Deployed, it would leave /owner routed but closed (the app refuses it at start)."""
    with pytest.raises(pulumi.RunError, match="twin:ownerPassword must be at least 12 characters"):
        deploy_stack("dev", owner_password="short-pw")


def test_a_misspelled_setting_stops_the_program_and_names_the_key_it_may_mean(
    deploy_stack: Callable[..., Deployment],
) -> None:
    """Pulumi reads only the keys a program asks for: a typo would deploy the default silently."""
    with pytest.raises(pulumi.RunError, match=r"twin:lambdaTimout is not a setting .* twin:lambdaTimeout\?"):
        deploy_stack("dev", lambdaTimout="5")
