"""Secrets from the stack config (Pulumi secrets) stored as SSM SecureString parameters: the OpenAI key
(`openaiApiKey`) and the owner's password (`ownerPassword`).

The Lambda gets only a parameter's name and reads the value at start-up, so neither is ever in its
environment; Pulumi keeps the values encrypted in state because the inputs are secrets.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra.naming import Naming


class ApiKeySecret(pulumi.ComponentResource):
    """The SSM parameter holding the OpenAI key."""

    parameter: aws.ssm.Parameter
    name: str

    def __init__(
        self, naming: Naming, *, value: pulumi.Output[str], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("twin:infra:ApiKeySecret", naming.name("openai-api-key"), None, opts)
        self.name = f"/{naming.project}/{naming.stack}/openai-api-key"
        description = "OpenAI API key of the twin (read by its Lambda at start-up)"
        self.parameter = secure_parameter(naming, self, "openai-api-key", value, description)
        self.register_outputs({"name": self.parameter.name, "arn": self.parameter.arn})


class OwnerPasswordSecret(pulumi.ComponentResource):
    """The SSM parameter holding the password of the owner's room (only the API's function reads it)."""

    parameter: aws.ssm.Parameter
    name: str

    def __init__(
        self, naming: Naming, *, value: pulumi.Output[str], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("twin:infra:OwnerPasswordSecret", naming.name("owner-password"), None, opts)
        self.name = f"/{naming.project}/{naming.stack}/owner-password"
        self.parameter = secure_parameter(
            naming, self, "owner-password", value, "Password of the twin's owner's room (read by its Lambda)"
        )
        self.register_outputs({"name": self.parameter.name, "arn": self.parameter.arn})


def secure_parameter(
    naming: Naming, parent: pulumi.ComponentResource, part: str, value: pulumi.Output[str], description: str
) -> aws.ssm.Parameter:
    """`/<project>/<stack>/<part>`, a SecureString with the AWS-managed `aws/ssm` key."""
    return aws.ssm.Parameter(
        naming.name(part),
        name=f"/{naming.project}/{naming.stack}/{part}",
        type="SecureString",
        value=value,  # a secret Output: encrypted in state, masked in logs
        description=description,
        tags=naming.tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
