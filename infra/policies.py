"""Policy documents built from data; `Output.json_dumps` renders them once their ARNs are known."""

from __future__ import annotations

from typing import Any

import pulumi

Statement = dict[str, Any]


def document(statements: list[Statement]) -> pulumi.Output[str]:
    """An IAM policy document as JSON."""
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements})


def tls_only(bucket_arn: pulumi.Input[str]) -> Statement:
    """Deny every request to the bucket that does not use TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def assume_role(service: str) -> pulumi.Output[str]:
    """A trust policy letting one AWS service assume the role."""
    return document([{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}])
