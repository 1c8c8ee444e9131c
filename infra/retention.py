"""The daily retention pass: an EventBridge schedule invokes the API's function with its event, and the
function erases what the retention period has passed (`service.lambda_handler`).

The bucket's lifecycle rule expires conversations by itself, but what visitors left besides them
(contacts with their email addresses, questions, feedback, notifications, failed turns) and the
owner's audit trail are erased by this pass, as `twin conversations prune` erases them elsewhere.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra.function import TwinFunction
from infra.naming import Naming

#: Once a day, counted from the deployment; a pass cut short by the function's timeout is finished
#: by the next one (every erasure stands on its own).
SCHEDULE = "rate(1 day)"


class RetentionSchedule(pulumi.ComponentResource):
    """The rule, its target (the function, or its alias with SnapStart), and the one permission that
    lets this rule invoke it."""

    rule: aws.cloudwatch.EventRule

    def __init__(
        self, naming: Naming, *, function: TwinFunction, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        name = naming.name("retention")
        super().__init__("twin:infra:RetentionSchedule", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.rule = aws.cloudwatch.EventRule(
            name,
            name=name,
            description="Erase what visitors left once the retention period has passed",
            schedule_expression=SCHEDULE,
            tags=naming.tags,
            opts=child,
        )
        aws.cloudwatch.EventTarget(f"{name}-target", rule=self.rule.name, arn=function.target_arn, opts=child)
        aws.lambda_.Permission(
            f"{name}-invoke",
            action="lambda:InvokeFunction",
            function=function.function.name,
            qualifier=function.qualifier,
            principal="events.amazonaws.com",
            source_arn=self.rule.arn,
            opts=child,
        )
        self.register_outputs({"rule": self.rule.name, "schedule": SCHEDULE})
