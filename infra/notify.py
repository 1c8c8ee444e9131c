"""The owner's notification topic: the twin publishes new contacts and questions, the owner gets email."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra.naming import Naming


class OwnerTopic(pulumi.ComponentResource):
    """One SNS topic per stack, with an email subscription when the stack sets `ownerEmail`.

    AWS sends the owner a confirmation email first; notifications arrive once it is confirmed.
    """

    topic: aws.sns.Topic
    subscription: aws.sns.TopicSubscription | None

    def __init__(
        self, naming: Naming, *, owner_email: str | None, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        name = naming.name("owner")
        super().__init__("twin:infra:OwnerTopic", name, None, opts)
        self.topic = aws.sns.Topic(
            name,
            name=name,
            display_name=f"{naming.project} {naming.stack}"[:100],
            tags=naming.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.subscription = None
        if owner_email:
            self.subscription = aws.sns.TopicSubscription(
                f"{name}-email",
                topic=self.topic.arn,
                protocol="email",
                endpoint=owner_email,
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({"arn": self.topic.arn})
