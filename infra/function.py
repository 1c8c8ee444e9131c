"""A Lambda that runs the twin, its log group, and a role allowed exactly what the twin does.

Two functions run the same zip: the buffered one (Mangum behind the HTTP API) and, with `twin:streaming`,
the streaming one (the Lambda Web Adapter behind a function URL, infra/streaming.py). `Entry` says how
each starts the app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_aws as aws

from infra import policies
from infra.config import TwinConfig
from infra.memory_bucket import MemoryBucket
from infra.naming import Naming
from infra.notify import OwnerTopic
from infra.package import source_code_hash
from infra.secret import ApiKeySecret, OwnerPasswordSecret
from service.settings import env_var

RUNTIME = "python3.12"
HANDLER = "service.lambda_handler.handler"
ARCHITECTURE = "x86_64"
#: The alias the HTTP API invokes when SnapStart is on: SnapStart works on published versions only.
LIVE_ALIAS = "live"


@dataclass(frozen=True)
class Entry:
    """How one function starts the app from the zip.

    `part` names it (`twin-<stack>-<part>`); `platform` are environment variables for the runtime or a
    layer, beside the app's own settings; `snap_start` publishes a version per deployment, snapshots it
    and puts the `live` alias in front; `reserved_concurrency` caps its concurrent invocations.
    """

    part: str
    handler: str
    platform: Mapping[str, str] = field(default_factory=dict)
    layers: tuple[str, ...] = ()
    snap_start: bool = False
    reserved_concurrency: int | None = None


def buffered_entry(config: TwinConfig) -> Entry:
    """The HTTP API's function: Mangum in the Python runtime, SnapStart as the stack says."""
    return Entry(part="api", handler=HANDLER, snap_start=config.snap_start)


def lambda_environment(
    *,
    config: TwinConfig,
    bucket: pulumi.Input[str],
    prefix: str,
    records_prefix: str,
    cors_origins: pulumi.Input[str],
    allowed_hosts: pulumi.Input[str],
    key_parameter: pulumi.Input[str] | None,
    topic_arn: pulumi.Input[str] | None = None,
    owner_password_parameter: pulumi.Input[str] | None = None,
) -> dict[str, pulumi.Input[str]]:
    """The twin's settings on Lambda: S3 memory, the front end's origin, the API's host names, the
    model, the secrets' parameters."""
    env: dict[str, pulumi.Input[str]] = {
        env_var("storage.use_s3"): "true",
        env_var("storage.s3_bucket"): bucket,
        env_var("storage.s3_prefix"): prefix,
        env_var("storage.s3_records_prefix"): records_prefix,
        env_var("storage.retention_days"): str(config.memory_retention_days),
        env_var("web.cors_origins"): cors_origins,
        env_var("web.allowed_hosts"): allowed_hosts,
        env_var("model.name"): config.model,
        env_var("model.deadline_seconds"): str(config.model_deadline_seconds),
        env_var("limits.daily_token_budget"): str(config.daily_token_budget),
        env_var("limits.monthly_token_budget"): str(config.monthly_token_budget),
        env_var("model.provider"): model_provider(config, has_key=key_parameter is not None),
        env_var("mcp.enabled"): "true" if config.mcp else "false",
    }
    if key_parameter is not None:
        env[env_var("model.api_key_parameter")] = key_parameter
    if topic_arn is not None:
        env[env_var("notify.sns_topic_arn")] = topic_arn
    if owner_password_parameter is not None:
        env[env_var("owner.password_parameter")] = owner_password_parameter
    return env


def model_provider(config: TwinConfig, *, has_key: bool) -> str:
    """The twin's TWIN_PROVIDER: Bedrock needs no key (it mints them); the others answer offline
    without one."""
    if config.uses_bedrock:
        return "bedrock"
    return config.provider if has_key else "offline"


def bedrock_statements(config: TwinConfig) -> list[policies.Statement]:
    """Invoking the stack's one model, and with short-term keys only (minted from this role)."""
    return [
        {
            "Sid": "InvokeTheModel",
            "Effect": "Allow",
            "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            "Resource": [f"arn:aws:bedrock:{config.region}::foundation-model/{config.model}"],
        },
        {
            # The action has no resource type; the condition limits it to keys minted from a role.
            "Sid": "UseShortTermKeys",
            "Effect": "Allow",
            "Action": ["bedrock:CallWithBearerToken"],
            "Resource": ["*"],
            "Condition": {"StringEquals": {"bedrock:bearerTokenType": "SHORT_TERM"}},
        },
    ]


def role_statements(
    *,
    memory: MemoryBucket,
    log_group_arn: pulumi.Input[str],
    key_parameter_arn: pulumi.Input[str] | None,
    topic_arn: pulumi.Input[str] | None = None,
    config: TwinConfig | None = None,
    owner_password_parameter_arn: pulumi.Input[str] | None = None,
) -> list[policies.Statement]:
    """Least privilege: conversations and records under their prefixes, listing that bucket, its log
    group, the key, and (for the function that serves the owner's room) the owner's password.

    No kms statement: the parameter is encrypted with the AWS-managed `aws/ssm` key, whose key policy
    already lets principals of the account decrypt through SSM.
    """
    statements: list[policies.Statement] = [
        {
            "Sid": "ConversationObjects",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            "Resource": [memory.objects_arn],
        },
        {
            "Sid": "RecordObjects",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            "Resource": [memory.records_arn],
        },
        {
            "Sid": "ListMemoryBucket",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": [memory.bucket.arn],
        },
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [log_group_arn, pulumi.Output.concat(log_group_arn, ":*")],
        },
    ]
    if key_parameter_arn is not None:
        statements.append(
            {
                "Sid": "ReadApiKey",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter"],
                "Resource": [key_parameter_arn],
            }
        )
    if owner_password_parameter_arn is not None:
        statements.append(
            {
                "Sid": "ReadOwnerPassword",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter"],
                "Resource": [owner_password_parameter_arn],
            }
        )
    if topic_arn is not None:
        statements.append(
            {
                "Sid": "NotifyOwner",
                "Effect": "Allow",
                "Action": ["sns:Publish"],
                "Resource": [topic_arn],
            }
        )
    if config is not None and config.uses_bedrock:
        statements += bedrock_statements(config)
    return statements


class TwinFunction(pulumi.ComponentResource):
    """One of the twin's Lambdas with its log group, execution role and inline policy (and, with
    SnapStart, the alias in front of its published versions)."""

    function: aws.lambda_.Function
    log_group: aws.cloudwatch.LogGroup
    role: aws.iam.Role
    alias: aws.lambda_.Alias | None

    def __init__(
        self,
        naming: Naming,
        *,
        entry: Entry,
        config: TwinConfig,
        package: Path,
        memory: MemoryBucket,
        cors_origins: pulumi.Input[str],
        allowed_hosts: pulumi.Input[str],
        secret: ApiKeySecret | None,
        topic: OwnerTopic | None = None,
        owner_password: OwnerPasswordSecret | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        name = naming.name(entry.part)
        super().__init__("twin:infra:TwinFunction", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # Named ahead so the log group exists (with its retention) before Lambda would create it.
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/lambda/{name}",
            retention_in_days=config.log_retention_days,
            tags=naming.tags,
            opts=child,
        )
        self.role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=policies.assume_role("lambda.amazonaws.com"),
            description=f"Runs the {name} Lambda",
            tags=naming.tags,
            opts=child,
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=self.role.id,
            policy=policies.document(
                role_statements(
                    memory=memory,
                    log_group_arn=self.log_group.arn,
                    key_parameter_arn=secret.parameter.arn if secret else None,
                    topic_arn=topic.topic.arn if topic else None,
                    config=config,
                    owner_password_parameter_arn=owner_password.parameter.arn if owner_password else None,
                )
            ),
            opts=child,
        )
        app_environment = lambda_environment(
            config=config,
            bucket=memory.bucket.bucket,
            prefix=memory.prefix,
            records_prefix=memory.records_prefix,
            cors_origins=cors_origins,
            allowed_hosts=allowed_hosts,
            key_parameter=secret.parameter.name if secret else None,
            topic_arn=topic.topic.arn if topic else None,
            owner_password_parameter=owner_password.parameter.name if owner_password else None,
        )
        self.function = aws.lambda_.Function(
            name,
            name=name,
            runtime=RUNTIME,
            handler=entry.handler,
            architectures=[ARCHITECTURE],
            role=self.role.arn,
            code=pulumi.FileArchive(str(package)),
            source_code_hash=source_code_hash(package),
            memory_size=config.lambda_memory,
            timeout=config.lambda_timeout,
            layers=list(entry.layers) or None,
            reserved_concurrent_executions=entry.reserved_concurrency,
            publish=entry.snap_start,
            snap_start=(
                aws.lambda_.FunctionSnapStartArgs(apply_on="PublishedVersions") if entry.snap_start else None
            ),
            environment=aws.lambda_.FunctionEnvironmentArgs(variables={**app_environment, **entry.platform}),
            tags=naming.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.log_group, role_policy]),
        )
        self.alias = None
        if entry.snap_start:
            self.alias = aws.lambda_.Alias(
                f"{name}-{LIVE_ALIAS}",
                name=LIVE_ALIAS,
                function_name=self.function.name,
                function_version=self.function.version,
                description="The version this deployment published (and SnapStart snapshotted)",
                opts=child,
            )
        self.register_outputs({"name": self.function.name, "arn": self.function.arn})

    @property
    def invoke_arn(self) -> pulumi.Output[str]:
        """What API Gateway invokes: the alias when there is one, else the function ($LATEST)."""
        return self.alias.invoke_arn if self.alias else self.function.invoke_arn

    @property
    def target_arn(self) -> pulumi.Output[str]:
        """What an EventBridge rule invokes: the alias when there is one, else the function ($LATEST)."""
        return self.alias.arn if self.alias else self.function.arn

    @property
    def qualifier(self) -> pulumi.Output[str] | None:
        """The alias's name for permissions and URLs that must address it, else None."""
        return self.alias.name if self.alias else None
