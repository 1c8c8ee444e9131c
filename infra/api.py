"""The HTTP API: one route per endpoint of the app, CORS for the front end, throttled, logged.

It is declared in two steps because the function and the API need each other: the function's
settings name the API's host (TWIN_ALLOWED_HOSTS), and the API's routes invoke the function. The
API itself comes first (its host is known once it exists), then `route_to(function)` adds the
integration, the routes and the permission.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pulumi
import pulumi_aws as aws

from infra.config import TwinConfig
from infra.function import TwinFunction
from infra.naming import Naming
from infra.routes import ApiRoute

#: One JSON line per request in the access log.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "integrationLatency": "$context.integrationLatency",
        "integrationError": "$context.integrationErrorMessage",
    }
)


def route_slug(route: ApiRoute) -> str:
    """A resource-name-safe form of a route: `get-conversation-session-id`."""
    words = re.sub(r"[^a-z0-9]+", "-", route.path.lower()).strip("-")
    return f"{route.method.lower()}-{words or 'root'}"


class HttpApi(pulumi.ComponentResource):
    """API Gateway HTTP API in front of the twin's Lambda (see the module docstring for its two steps)."""

    api: aws.apigatewayv2.Api
    stage: aws.apigatewayv2.Stage
    url: pulumi.Output[str]
    #: The host name requests to this API carry, for the app's TWIN_ALLOWED_HOSTS.
    host: pulumi.Output[str]

    def __init__(
        self,
        naming: Naming,
        *,
        config: TwinConfig,
        routes: list[ApiRoute],
        cors_origins: pulumi.Input[list[str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        name = naming.name("http")
        super().__init__("twin:infra:HttpApi", name, None, opts)
        self._name, self._config, self._routes = name, config, routes
        child = pulumi.ResourceOptions(parent=self)
        methods = sorted({route.method for route in routes} | {"OPTIONS"})
        # With CORS configured, API Gateway answers preflights itself and sets the CORS headers.
        self.api = aws.apigatewayv2.Api(
            name,
            protocol_type="HTTP",
            description=f"The {naming.project} twin ({naming.stack})",
            cors_configuration=aws.apigatewayv2.ApiCorsConfigurationArgs(
                allow_origins=cors_origins,
                allow_methods=methods,
                # if-none-match and etag: a widget elsewhere watches its conversation for the owner
                allow_headers=["content-type", "idempotency-key", "if-none-match"],
                expose_headers=["etag", "retry-after"],  # retry-after: how long a rate-limited visitor waits
                max_age=600,
            ),
            tags=naming.tags,
            opts=child,
        )
        access_logs = aws.cloudwatch.LogGroup(
            f"{name}-access-logs",
            name=f"/aws/apigateway/{name}",
            retention_in_days=config.log_retention_days,
            tags=naming.tags,
            opts=child,
        )
        self.stage = aws.apigatewayv2.Stage(
            f"{name}-default",
            api_id=self.api.id,
            name="$default",
            auto_deploy=True,
            default_route_settings=aws.apigatewayv2.StageDefaultRouteSettingsArgs(
                throttling_burst_limit=config.throttle_burst_limit,
                throttling_rate_limit=config.throttle_rate_limit,
            ),
            access_log_settings=aws.apigatewayv2.StageAccessLogSettingsArgs(
                destination_arn=access_logs.arn, format=ACCESS_LOG_FORMAT
            ),
            tags=naming.tags,
            opts=child,
        )
        self.url = self.api.api_endpoint
        self.host = self.api.api_endpoint.apply(lambda url: urlsplit(url).hostname or url)

    def route_to(self, function: TwinFunction) -> None:
        """Every route of the app to `function`, which only this API may invoke."""
        name, config, routes = self._name, self._config, self._routes
        child = pulumi.ResourceOptions(parent=self)
        integration = aws.apigatewayv2.Integration(
            f"{name}-lambda",
            api_id=self.api.id,
            integration_type="AWS_PROXY",
            integration_method="POST",
            integration_uri=function.invoke_arn,
            payload_format_version="2.0",
            timeout_milliseconds=config.api_timeout_ms,
            opts=child,
        )
        target = pulumi.Output.concat("integrations/", integration.id)
        for route in routes:
            aws.apigatewayv2.Route(
                f"{name}-{route_slug(route)}",
                api_id=self.api.id,
                route_key=route.key,
                target=target,
                opts=child,
            )
        # Only this API (any stage, any route) may invoke the function (its alias, with SnapStart).
        aws.lambda_.Permission(
            f"{name}-invoke",
            action="lambda:InvokeFunction",
            function=function.function.name,
            qualifier=function.qualifier,
            principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.concat(self.api.execution_arn, "/*/*"),
            opts=child,
        )
        self.register_outputs({"url": self.url, "host": self.host, "routes": [route.key for route in routes]})
