"""The OpenAI key: stack config (a Pulumi secret) stored as an SSM SecureString parameter.

The Lambda gets only the parameter's name and reads the value at start-up, so the key is never in its
environment; Pulumi keeps the value encrypted in state because the input is a secret.
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
        self.parameter = aws.ssm.Parameter(
            naming.name("openai-api-key"),
            name=self.name,
            type="SecureString",
            value=value,  # a secret Output: encrypted in state, masked in logs
            description="OpenAI API key of the twin (read by its Lambda at start-up)",
            tags=naming.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"name": self.parameter.name, "arn": self.parameter.arn})
