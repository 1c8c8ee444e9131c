"""The streaming door and SnapStart under Pulumi's mocks, for each committed stack: the second function
(the web adapter's layer and start script), its function URL and who may invoke it, the runtime config
naming it, and the buffered function's published versions behind an alias."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from infra.function import HANDLER, RUNTIME
from infra.streaming import STREAM_HANDLER, adapter_environment
from service.entry.lambda_stream import READINESS_PATH
from service.settings import ENV_VARS, Settings
from tests.infra.harness import ACCOUNT, PUBLISHED_VERSION, URL_ID, Deployment
from tests.infra.test_program import (
    ALIAS,
    DISTRIBUTION,
    FUNCTION,
    FUNCTION_URL,
    OBJECT,
    PERMISSION,
    cfg,
)

ADAPTER_LAYER = "arn:aws:lambda:us-east-1:753240598075:layer:LambdaAdapterLayerX86:27"


def stream_function(deployment: Deployment) -> dict[str, Any]:
    return deployment.one(FUNCTION, "-stream").inputs


def runtime_config(deployment: Deployment) -> dict[str, str]:
    [config] = [r.inputs for r in deployment.of_type(OBJECT) if r.inputs["key"] == "config.json"]
    parsed: dict[str, str] = json.loads(config["content"])
    return parsed


def test_the_streaming_function_runs_the_same_zip_through_the_web_adapter(deployment: Deployment) -> None:
    streaming, buffered = stream_function(deployment), deployment.one(FUNCTION, "-api").inputs
    assert streaming["name"] == f"twin-{deployment.stack}-stream"
    assert (streaming["runtime"], streaming["handler"]) == (RUNTIME, STREAM_HANDLER)
    assert STREAM_HANDLER == "service/entry/lambda_stream.sh" and buffered["handler"] == HANDLER
    assert streaming["layers"] == [ADAPTER_LAYER]
    assert streaming["code"].path == buffered["code"].path
    assert streaming["sourceCodeHash"] == buffered["sourceCodeHash"]
    for setting in ("memorySize", "timeout", "architectures"):
        assert streaming[setting] == buffered[setting]
    assert streaming["role"] == f"arn:aws:iam::{ACCOUNT}:role/twin-{deployment.stack}-stream-role"


def test_the_streaming_function_has_the_apps_settings_plus_only_what_the_adapter_reads(
    deployment: Deployment,
) -> None:
    env = dict(stream_function(deployment)["environment"]["variables"])
    app_env = dict(deployment.one(FUNCTION, "-api").inputs["environment"]["variables"])
    adapter = {key: env.pop(key) for key in set(env) - set(ENV_VARS)}
    hosts = {env.pop("TWIN_ALLOWED_HOSTS"), app_env.pop("TWIN_ALLOWED_HOSTS")}
    assert len(hosts) == 2  # each answers for its own door's host names
    assert env == app_env  # same bucket, key parameter, model, budgets, CORS origins, topic
    assert (
        adapter
        == adapter_environment()
        == {
            "AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap",
            "AWS_LWA_INVOKE_MODE": "response_stream",
            "AWS_LWA_PORT": "8080",
            "AWS_LWA_READINESS_CHECK_PATH": READINESS_PATH,
        }
    )


def test_the_streaming_functions_concurrency_is_capped_from_the_stack_config(
    deployment: Deployment, deploy_stack: Callable[..., Deployment]
) -> None:
    assert stream_function(deployment)["reservedConcurrentExecutions"] == int(
        cfg(deployment, "streamConcurrency")
    )
    raised = deploy_stack(deployment.stack, streamConcurrency="25")
    assert stream_function(raised)["reservedConcurrentExecutions"] == 25


def test_the_streaming_functions_logs_keep_the_stacks_retention(deployment: Deployment) -> None:
    logs = deployment.named(f"twin-{deployment.stack}-stream-logs").inputs
    assert logs["name"] == f"/aws/lambda/twin-{deployment.stack}-stream"
    assert logs["retentionInDays"] == int(cfg(deployment, "logRetentionDays"))


def test_the_function_url_streams_and_allows_the_front_end_origins_only(deployment: Deployment) -> None:
    url = deployment.one(FUNCTION_URL).inputs
    assert url["functionName"] == f"twin-{deployment.stack}-stream"
    assert (url["invokeMode"], url["authorizationType"]) == ("RESPONSE_STREAM", "NONE")
    assert "qualifier" not in url
    cors = url["cors"]
    assert cors["allowOrigins"] == [deployment.outputs["frontendUrl"], *cfg(deployment, "corsOrigins")]
    assert (cors["allowMethods"], cors["allowHeaders"]) == (["POST"], ["content-type", "idempotency-key"])
    assert cors["exposeHeaders"] == ["retry-after"]
    assert deployment.outputs["streamUrl"] == f"https://{URL_ID}.lambda-url.us-east-1.on.aws/"
    assert deployment.outputs["streamFunctionName"] == f"twin-{deployment.stack}-stream"


def test_the_streaming_function_can_be_invoked_through_its_url_only(deployment: Deployment) -> None:
    stream = f"twin-{deployment.stack}-stream"
    granted = [p.inputs for p in deployment.of_type(PERMISSION) if p.inputs["function"] == stream]
    by_action = {grant["action"]: grant for grant in granted}
    assert len(granted) == len(by_action) == 2
    public = by_action["lambda:InvokeFunctionUrl"]
    assert (public["principal"], public["functionUrlAuthType"]) == ("*", "NONE")
    invoke = by_action["lambda:InvokeFunction"]
    assert (invoke["principal"], invoke["invokedViaFunctionUrl"]) == ("*", True)
    # No grant lets anyone invoke either function directly, around the URL or the API.
    open_grants = [p.inputs for p in deployment.of_type(PERMISSION) if p.inputs["principal"] == "*"]
    assert all(p.get("functionUrlAuthType") or p.get("invokedViaFunctionUrl") for p in open_grants)


def test_the_runtime_config_tells_the_web_client_where_to_stream_from(deployment: Deployment) -> None:
    assert runtime_config(deployment) == {
        "apiUrl": deployment.outputs["apiUrl"],
        "streamUrl": deployment.outputs["streamUrl"],
    }


def test_without_streaming_the_stack_is_the_buffered_deployment_it_was(
    deploy_stack: Callable[..., Deployment], stack: str
) -> None:
    deployment = deploy_stack(stack, streaming="false")
    assert [f.inputs["name"] for f in deployment.of_type(FUNCTION)] == [f"twin-{stack}-api"]
    assert deployment.of_type(FUNCTION_URL) == []
    principals = sorted(p.inputs["principal"] for p in deployment.of_type(PERMISSION))
    assert principals == ["apigateway.amazonaws.com", "events.amazonaws.com"]  # the API, the daily retention
    assert runtime_config(deployment) == {"apiUrl": deployment.outputs["apiUrl"]}
    assert "streamUrl" not in deployment.outputs and "streamFunctionName" not in deployment.outputs


def test_cloudfront_serves_the_site_only_the_stream_is_called_at_its_own_url(
    deploy_stack: Callable[..., Deployment], stack: str
) -> None:
    deployment = deploy_stack(stack, cloudfront="true")
    [origin] = deployment.one(DISTRIBUTION).inputs["origins"]
    assert origin["originId"] == "site"
    assert runtime_config(deployment)["streamUrl"] == deployment.outputs["streamUrl"]


# --- SnapStart ---


def test_snapstart_publishes_versions_behind_the_live_alias_where_the_stack_turns_it_on(
    deployment: Deployment,
) -> None:
    buffered = deployment.one(FUNCTION, "-api").inputs
    if cfg(deployment, "snapStart") == "true":
        assert buffered["publish"] is True
        assert buffered["snapStart"] == {"applyOn": "PublishedVersions"}
        alias = deployment.one(ALIAS).inputs
        assert (alias["name"], alias["functionName"]) == ("live", f"twin-{deployment.stack}-api")
        assert alias["functionVersion"] == PUBLISHED_VERSION
    else:
        assert not buffered.get("publish") and "snapStart" not in buffered
        assert deployment.of_type(ALIAS) == []


def test_only_prod_turns_snapstart_on_and_any_stack_can(
    deployment: Deployment, deploy_stack: Callable[..., Deployment]
) -> None:
    assert cfg(deployment, "snapStart") == ("true" if deployment.stack == "prod" else "false")
    snapped = deploy_stack(deployment.stack, snapStart="true")
    assert deployment_alias_invoked_by_the_api(snapped)


def deployment_alias_invoked_by_the_api(deployment: Deployment) -> bool:
    alias = deployment.one(ALIAS).inputs
    permission = deployment.named(f"twin-{deployment.stack}-http-invoke").inputs
    return bool(alias["name"] == permission["qualifier"] == "live")


def test_the_streaming_function_never_snapshots_its_adapter(deploy_stack: Callable[..., Deployment]) -> None:
    streaming = stream_function(deploy_stack("prod", snapStart="true"))
    assert "snapStart" not in streaming and not streaming.get("publish")


def test_the_streaming_function_answers_for_function_url_names_and_the_adapter_only(
    deployment: Deployment,
) -> None:
    """Its URL's name exists only once the URL does, after the function; any function URL name of the
    region is allowed (only its own URL can invoke it), and 127.0.0.1 for the adapter's readiness check."""
    env = stream_function(deployment)["environment"]["variables"]
    allowed = Settings.from_env(
        {"TWIN_ALLOWED_HOSTS": env["TWIN_ALLOWED_HOSTS"]}, env_file=None
    ).web.allowed_hosts
    assert allowed == ("*.lambda-url.us-east-1.on.aws", "127.0.0.1")
    url_host = urlsplit(deployment.outputs["streamUrl"]).hostname
    assert url_host is not None and url_host.endswith(".lambda-url.us-east-1.on.aws")
