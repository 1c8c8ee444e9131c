"""Settings every bucket of the twin gets: owner-enforced object ownership and default encryption."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


def own_and_encrypt(name: str, bucket: aws.s3.Bucket, opts: pulumi.ResourceOptions) -> None:
    """ACLs disabled (the bucket owner owns every object) and SSE-S3 (AES256) by default."""
    aws.s3.BucketOwnershipControls(
        f"{name}-ownership",
        bucket=bucket.id,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=opts,
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-encryption",
        bucket=bucket.id,
        rules=[
            aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="AES256"
                ),
            )
        ],
        opts=opts,
    )
