"""The Pulumi program (`pulumi up`): read the stack's config, declare the twin, export its URLs."""

from __future__ import annotations

import sys
from pathlib import Path

# `pulumi up` runs this directory with infra/ itself on sys.path, where its modules would shadow
# top-level names; import them as the `infra` package from the repository root instead.
_INFRA = Path(__file__).resolve().parent
sys.path[:] = [str(_INFRA.parent)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() not in (_INFRA, _INFRA.parent)
]

import pulumi
import pulumi_aws as aws

from infra.api import HttpApi
from infra.config import (
    APP_DEFAULTS,
    DEFAULT_LAMBDA_PACKAGE,
    check_known_keys,
    check_owner_password,
    read_config,
    stack_keys,
)
from infra.frontend import SiteContent, StaticSite
from infra.function import Entry, TwinFunction, buffered_entry
from infra.lambda_zip import PackageError
from infra.memory_bucket import MemoryBucket
from infra.naming import Naming
from infra.notify import OwnerTopic
from infra.package import lambda_package, resolve
from infra.retention import RetentionSchedule
from infra.routes import app_routes
from infra.secret import ApiKeySecret, OwnerPasswordSecret
from infra.streaming import StreamEndpoint, stream_hosts, streaming_entry
from infra.web import site_files

stack_config = pulumi.Config()
check_known_keys(stack_keys(), pulumi.get_project())
config = read_config(stack_config)
api_key = stack_config.get_secret("openaiApiKey")  # optional: without it the twin runs offline
owner_password = stack_config.get_secret("ownerPassword")  # optional: without it /owner is closed
check_owner_password(stack_config.get("ownerPassword"))
naming = Naming(config.project_name, pulumi.get_stack())

# Everything that can fail without the cloud fails first, before any resource is declared.
files = site_files(resolve(config.web_dir))
try:
    package = lambda_package(config.lambda_package, DEFAULT_LAMBDA_PACKAGE)
except PackageError as exc:  # shown as Pulumi's own error, without a traceback
    raise pulumi.RunError(str(exc)) from None
routes = app_routes(mcp=config.mcp, owner_room=owner_password is not None)

provider = aws.Provider(naming.name("aws"), region=config.region)
opts = pulumi.ResourceOptions(providers=[provider])

memory = MemoryBucket(
    naming,
    prefix=APP_DEFAULTS.storage.s3_prefix,
    records_prefix=APP_DEFAULTS.storage.s3_records_prefix,
    retention_days=config.memory_retention_days,
    protect=config.protect_memory,
    opts=opts,
)
site = StaticSite(naming, cloudfront=config.cloudfront, opts=opts)
cors_origins = pulumi.Output.all(site.origin, *config.cors_origins)
# A Bedrock stack stores no key: its Lambda mints short-term ones from its role.
secret = (
    ApiKeySecret(naming, value=api_key, opts=opts)
    if api_key is not None and not config.uses_bedrock
    else None
)
room = OwnerPasswordSecret(naming, value=owner_password, opts=opts) if owner_password is not None else None
topic = OwnerTopic(naming, owner_email=config.owner_email, opts=opts)
api = HttpApi(naming, config=config, routes=routes, cors_origins=cors_origins, opts=opts)


def twin_function(
    entry: Entry, allowed_hosts: pulumi.Input[str], owner_room: OwnerPasswordSecret | None = None
) -> TwinFunction:
    """One of the twin's functions: the same zip, settings, memory, key and topic, started by `entry`,
    answering for `allowed_hosts` only (and, for the one behind the HTTP API, the owner's password)."""
    return TwinFunction(
        naming,
        entry=entry,
        config=config,
        package=package,
        memory=memory,
        cors_origins=cors_origins.apply(",".join),
        allowed_hosts=allowed_hosts,
        secret=secret,
        topic=topic,
        owner_password=owner_room,
        opts=opts,
    )


# The owner's room is served by the HTTP API's function only (the streaming door serves chat alone);
# the app answers only for the API's own host name.
function = twin_function(buffered_entry(config), api.host, owner_room=room)
api.route_to(function)
RetentionSchedule(naming, function=function, opts=opts)
stream_url = None
if config.streaming:
    streamer = twin_function(streaming_entry(config), stream_hosts(config.region))
    stream_url = StreamEndpoint(naming, function=streamer, cors_origins=cors_origins, opts=opts).url
    pulumi.export("streamUrl", stream_url)
    pulumi.export("streamFunctionName", streamer.function.name)
SiteContent(naming, site=site, files=files, api_url=api.url, stream_url=stream_url, opts=opts)

pulumi.export("apiUrl", api.url)
pulumi.export("frontendUrl", site.url)
pulumi.export("memoryBucket", memory.bucket.bucket)
pulumi.export("frontendBucket", site.bucket.bucket)
pulumi.export("functionName", function.function.name)
pulumi.export("notifyTopicArn", topic.topic.arn)
