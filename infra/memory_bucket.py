"""The memory bucket: where the Lambda keeps conversations, private, encrypted and expiring."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra import policies
from infra.buckets import own_and_encrypt
from infra.naming import Naming


class MemoryBucket(pulumi.ComponentResource):
    """A private S3 bucket whose objects under `prefix` expire after `retention_days`.

    Records (contacts, questions, the owner's answers, feedback, budgets) live under `records_prefix`
    and do not expire by lifecycle: the owner's answers must outlive conversations. Contacts,
    questions and feedback are pruned by `twin conversations prune` run against the bucket (nothing
    on Lambda runs it; docs/deploy.md).
    """

    bucket: aws.s3.Bucket
    prefix: str
    records_prefix: str

    def __init__(
        self,
        naming: Naming,
        *,
        prefix: str,
        records_prefix: str = "records/",
        retention_days: int,
        protect: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        name = naming.name("memory")
        super().__init__("twin:infra:MemoryBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.prefix = prefix
        self.records_prefix = records_prefix
        # Without protection `pulumi destroy` empties the bucket; with it, destroy stops at the bucket.
        self.bucket = aws.s3.Bucket(
            name,
            force_destroy=not protect,
            tags=naming.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=protect),
        )
        block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        own_and_encrypt(name, self.bucket, child)
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-conversations",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=prefix),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=retention_days),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=1
                    ),
                )
            ],
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=self.bucket.id,
            policy=policies.document([policies.tls_only(self.bucket.arn)]),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[block]),
        )
        self.register_outputs({"bucket": self.bucket.bucket, "arn": self.bucket.arn})

    @property
    def objects_arn(self) -> pulumi.Output[str]:
        """The ARN of every object under the conversation prefix."""
        return pulumi.Output.concat(self.bucket.arn, "/", self.prefix, "*")

    @property
    def records_arn(self) -> pulumi.Output[str]:
        """The ARN of every object under the records prefix."""
        return pulumi.Output.concat(self.bucket.arn, "/", self.records_prefix, "*")
