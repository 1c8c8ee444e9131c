"""Run the Pulumi program under Pulumi's mocks, recording every resource it declares. No CLI, no cloud."""

from __future__ import annotations

import asyncio
import contextvars
import json
import runpy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

REPO = Path(__file__).resolve().parents[2]
#: What `main: infra/` in Pulumi.yaml points at; run as Pulumi runs it, with the directory on sys.path.
PROGRAM = REPO / "infra"
STACKS = ("dev", "test", "prod")
ACCOUNT = "123456789012"
API_ID = "a1b2c3d4e5"
CDN_DOMAIN = "d111111abcdef8.cloudfront.net"
URL_ID = "abcdefghijklmnopqrstuvwxyz012345"
#: The version Lambda numbers a function's publication with (the mocks publish version 7).
PUBLISHED_VERSION = "7"


def invoke_arn(region: str, function_arn: str) -> str:
    """What API Gateway invokes for a function (or an alias) ARN."""
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def is_secret(value: object) -> bool:
    """Whether a recorded input is a Pulumi secret (the mock monitor wraps secrets in a signed dict)."""
    return isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig


@dataclass
class Registered:
    """One resource the program declared: its type token, logical name, inputs and provider reference."""

    type: str
    name: str
    inputs: dict[str, Any]
    provider: str | None
    custom: bool


class RecordingMocks(pulumi.runtime.Mocks):
    """Records registrations and answers with the outputs AWS would compute (ARNs, endpoints, names)."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.resources: list[Registered] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(
            Registered(args.typ, args.name, dict(args.inputs), args.provider, bool(args.custom))
        )
        inputs = args.inputs
        state: dict[str, Any] = dict(inputs)
        resource_id = f"{args.name}-id"
        region = self.region
        match args.typ:
            case "aws:s3/bucket:Bucket":
                resource_id = state["bucket"] = f"{args.name}-0a1b2c3"
                state["arn"] = f"arn:aws:s3:::{resource_id}"
                state["bucketRegionalDomainName"] = f"{resource_id}.s3.{region}.amazonaws.com"
            case "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration":
                state["websiteEndpoint"] = f"{inputs['bucket']}.s3-website-{region}.amazonaws.com"
            case "aws:cloudfront/distribution:Distribution":
                state["domainName"] = CDN_DOMAIN
                state["arn"] = f"arn:aws:cloudfront::{ACCOUNT}:distribution/E2EXAMPLE"
            case "aws:cloudwatch/logGroup:LogGroup":
                state["arn"] = f"arn:aws:logs:{region}:{ACCOUNT}:log-group:{inputs['name']}"
            case "aws:iam/role:Role":
                state["arn"] = f"arn:aws:iam::{ACCOUNT}:role/{args.name}"
            case "aws:cloudwatch/eventRule:EventRule":
                state["arn"] = f"arn:aws:events:{region}:{ACCOUNT}:rule/{inputs['name']}"
            case "aws:sns/topic:Topic":
                state["arn"] = f"arn:aws:sns:{region}:{ACCOUNT}:{inputs['name']}"
            case "aws:ssm/parameter:Parameter":
                state["arn"] = f"arn:aws:ssm:{region}:{ACCOUNT}:parameter{inputs['name']}"
            case "aws:lambda/function:Function":
                state["arn"] = f"arn:aws:lambda:{region}:{ACCOUNT}:function:{inputs['name']}"
                state["invokeArn"] = invoke_arn(region, state["arn"])
                state["version"] = PUBLISHED_VERSION if inputs.get("publish") else "$LATEST"
            case "aws:lambda/alias:Alias":
                arn = f"arn:aws:lambda:{region}:{ACCOUNT}:function:{inputs['functionName']}:{inputs['name']}"
                state["arn"] = arn
                state["invokeArn"] = invoke_arn(region, arn)
            case "aws:lambda/functionUrl:FunctionUrl":
                state["functionUrl"] = f"https://{URL_ID}.lambda-url.{region}.on.aws/"
                state["urlId"] = URL_ID
            case "aws:apigatewayv2/api:Api":
                resource_id = API_ID
                state["apiEndpoint"] = f"https://{API_ID}.execute-api.{region}.amazonaws.com"
                state["executionArn"] = f"arn:aws:execute-api:{region}:{ACCOUNT}:{API_ID}"
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


@dataclass
class Deployment:
    """What one run of the program declared and exported."""

    stack: str
    config: dict[str, str]
    resources: list[Registered]
    outputs: dict[str, Any] = field(default_factory=dict)
    #: The URNs the mock monitor made: they carry each resource's chain of parent types.
    urns: list[str] = field(default_factory=list)

    def of_type(self, type_: str) -> list[Registered]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str, name_contains: str = "") -> Registered:
        found = [r for r in self.of_type(type_) if name_contains in r.name]
        assert len(found) == 1, f"expected one {type_} named *{name_contains}*, got {[r.name for r in found]}"
        return found[0]

    def named(self, name: str) -> Registered:
        found = [r for r in self.resources if r.name == name]
        assert len(found) == 1, f"expected one resource named {name}, got {len(found)}"
        return found[0]


def stack_config(stack: str) -> dict[str, str]:
    """A committed `Pulumi.<stack>.yaml`'s config as the Pulumi CLI hands it to a program: all strings."""
    data = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    return {key: as_config_string(value) for key, value in data["config"].items()}


def as_config_string(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def isolated(run: Callable[[], None]) -> None:
    """Run `run` with a fresh event loop and a fresh context.

    The runtime's settings, root stack resource and config live in context variables: a fresh context
    per run keeps one run's state from leaking into the next.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        contextvars.Context().run(run)
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def run_with_mocks(program: Callable[[], pulumi.Output[None]], region: str = "us-east-1") -> RecordingMocks:
    """Run `program` (which declares resources and returns the Output of its checks) under mocks."""
    mocks = RecordingMocks(region)

    def run() -> None:
        pulumi.runtime.set_mocks(mocks, project="twin", stack="unit", preview=False)
        pulumi.runtime.test(program)()

    isolated(run)
    return mocks


def deploy(stack: str, config: dict[str, str], secrets: tuple[str, ...] = ()) -> Deployment:
    """Run the program in `infra/` for `stack` with `config` (full keys, e.g. `twin:region`) under mocks."""
    region = config.get("twin:region", "us-east-1")
    mocks = RecordingMocks(region)
    deployment = Deployment(stack=stack, config=config, resources=mocks.resources)

    monitor = MockMonitor(mocks)

    def run() -> None:
        pulumi.runtime.set_mocks(mocks, project="twin", stack=stack, preview=False, monitor=monitor)
        pulumi.runtime.set_all_config(dict(config), list(secrets))

        @pulumi.runtime.test
        def program() -> pulumi.Output[None]:
            runpy.run_path(str(PROGRAM))
            root = pulumi.runtime.get_root_resource()
            exported: dict[str, Any] = root.outputs  # type: ignore[union-attr]
            return pulumi.Output.all(**exported).apply(deployment.outputs.update)

        program()

    isolated(run)
    deployment.urns = list(monitor.resources)
    return deployment
