"""The streaming door: the same zip started by the Lambda Web Adapter, behind a function URL.

Why a function URL and not a REST API with a streaming integration (docs/deploy.md#streaming has the
whole comparison): it costs nothing beyond the function, answers CORS itself, and gives the app the
visitor's own address in the request context. What API Gateway's throttling did for the HTTP API, the
function's reserved concurrency (`twin:streamConcurrency`) and the app's own limits do here.

Why no SnapStart on this function: the adapter, not the Python runtime, talks to Lambda's runtime API
here, so the Python runtime's after-restore hooks never run, and nothing would give a restored
environment its own seed, clients and key (adapter 1.0.0, the layer pinned below, has no hooks).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra.config import TwinConfig
from infra.function import Entry, TwinFunction
from infra.naming import Naming
from service.entry.lambda_stream import READINESS_PATH

#: The start script the adapter runs (its execute bit is kept in the zip).
STREAM_HANDLER = "service/entry/lambda_stream.sh"
#: The Lambda Web Adapter's public layer for x86_64: version 27 is the adapter's 1.0.0 release.
WEB_ADAPTER_ACCOUNT = "753240598075"
WEB_ADAPTER_LAYER = "LambdaAdapterLayerX86"
WEB_ADAPTER_VERSION = 27
#: Where the start script's server listens (127.0.0.1 only).
ADAPTER_PORT = "8080"


def web_adapter_layer(region: str) -> str:
    """The adapter layer's ARN in `region` (AWS publishes it in every commercial region)."""
    return f"arn:aws:lambda:{region}:{WEB_ADAPTER_ACCOUNT}:layer:{WEB_ADAPTER_LAYER}:{WEB_ADAPTER_VERSION}"


def adapter_environment() -> dict[str, str]:
    """What the adapter reads: run the handler through its bootstrap, stream, and where to check readiness."""
    return {
        "AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap",
        "AWS_LWA_INVOKE_MODE": "response_stream",
        "AWS_LWA_PORT": ADAPTER_PORT,
        "AWS_LWA_READINESS_CHECK_PATH": READINESS_PATH,
    }


def stream_hosts(region: str) -> str:
    """The host names the streaming function's app answers to (TWIN_ALLOWED_HOSTS).

    Its URL's own name is made with the URL, after the function, so it cannot be in the function's
    settings: any function URL name of the region is allowed, which is safe because nothing but this
    function's own URL can invoke it. 127.0.0.1 is where the adapter's requests and its readiness check
    come from.
    """
    return f"*.lambda-url.{region}.on.aws,127.0.0.1"


def streaming_entry(config: TwinConfig) -> Entry:
    """The streaming function: the adapter layer and start script, its concurrency capped, no SnapStart."""
    return Entry(
        part="stream",
        handler=STREAM_HANDLER,
        platform=adapter_environment(),
        layers=(web_adapter_layer(config.region),),
        reserved_concurrency=config.stream_concurrency,
    )


class StreamEndpoint(pulumi.ComponentResource):
    """The streaming function's URL: public, streamed, CORS for the front end's origins only.

    Anyone may call the URL (the app decides whom it answers: origin check, rate limits, spend cap,
    body limit); nobody may invoke the function any other way, so no request reaches the app without
    the request context Lambda builds (and the visitor's address in it).
    """

    url: pulumi.Output[str]

    def __init__(
        self,
        naming: Naming,
        *,
        function: TwinFunction,
        cors_origins: pulumi.Input[list[str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        name = naming.name("stream-url")
        super().__init__("twin:infra:StreamEndpoint", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        function_url = aws.lambda_.FunctionUrl(
            name,
            function_name=function.function.name,
            qualifier=function.qualifier,
            authorization_type="NONE",
            invoke_mode="RESPONSE_STREAM",
            cors=aws.lambda_.FunctionUrlCorsArgs(
                allow_origins=cors_origins,
                allow_methods=["POST"],
                allow_headers=["content-type", "idempotency-key"],
                expose_headers=["retry-after"],  # how long a rate-limited visitor waits
                max_age=600,
            ),
            opts=child,
        )
        # Since October 2025 a function URL needs both grants; the second holds only through the URL.
        aws.lambda_.Permission(
            f"{name}-public",
            action="lambda:InvokeFunctionUrl",
            function=function.function.name,
            qualifier=function.qualifier,
            principal="*",
            function_url_auth_type="NONE",
            opts=child,
        )
        aws.lambda_.Permission(
            f"{name}-via-url",
            action="lambda:InvokeFunction",
            function=function.function.name,
            qualifier=function.qualifier,
            principal="*",
            invoked_via_function_url=True,
            opts=child,
        )
        self.url = function_url.function_url
        self.register_outputs({"url": self.url})
