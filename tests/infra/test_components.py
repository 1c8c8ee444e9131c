"""Components on their own under Pulumi's mocks, checked through `Output.apply` as Pulumi's docs do."""

from __future__ import annotations

import pulumi
import pytest

from infra.frontend import StaticSite
from infra.memory_bucket import MemoryBucket
from infra.naming import Naming, StackNameError
from infra.secret import ApiKeySecret
from tests.infra.harness import ACCOUNT, CDN_DOMAIN, run_with_mocks

NAMING = Naming("twin", "unit")


def test_memory_bucket_grants_address_only_the_conversation_prefix() -> None:
    def program() -> pulumi.Output[None]:
        memory = MemoryBucket(NAMING, prefix="conversations/", retention_days=3)

        def check(arn: str) -> None:
            assert arn == "arn:aws:s3:::twin-unit-memory-0a1b2c3/conversations/*"

        return memory.objects_arn.apply(check)

    run_with_mocks(program)


def test_memory_bucket_grants_address_only_the_records_prefix_beside_it() -> None:
    def program() -> pulumi.Output[None]:
        memory = MemoryBucket(NAMING, prefix="conversations/", records_prefix="records/", retention_days=3)

        def check(arn: str) -> None:
            assert arn == "arn:aws:s3:::twin-unit-memory-0a1b2c3/records/*"

        return memory.records_arn.apply(check)

    run_with_mocks(program)


@pytest.mark.parametrize(
    ("cloudfront", "url"),
    [
        (False, "http://twin-unit-frontend-0a1b2c3.s3-website-us-east-1.amazonaws.com"),
        (True, f"https://{CDN_DOMAIN}"),
    ],
)
def test_static_site_url_is_its_browser_origin(cloudfront: bool, url: str) -> None:
    def program() -> pulumi.Output[None]:
        site = StaticSite(NAMING, cloudfront=cloudfront)

        def check(values: list[str]) -> None:
            assert values == [url, url]

        return pulumi.Output.all(site.url, site.origin).apply(check)

    run_with_mocks(program)


def test_api_key_parameter_is_named_per_project_and_stack() -> None:
    def program() -> pulumi.Output[None]:
        secret = ApiKeySecret(NAMING, value=pulumi.Output.secret("sk-unit"))

        def check(values: list[str]) -> None:
            assert values == [
                "/twin/unit/openai-api-key",
                f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/twin/unit/openai-api-key",
            ]

        return pulumi.Output.all(secret.parameter.name, secret.parameter.arn).apply(check)

    run_with_mocks(program)


def test_a_failing_check_inside_apply_fails_the_test() -> None:
    def program() -> pulumi.Output[None]:
        memory = MemoryBucket(NAMING, prefix="conversations/", retention_days=3)

        def check(arn: str) -> None:
            assert arn.endswith("/elsewhere/*")

        return memory.objects_arn.apply(check)

    with pytest.raises(AssertionError):
        run_with_mocks(program)


@pytest.mark.parametrize("stack", ["Prod", "dev_1", "", "a" * 21])
def test_stack_names_that_cannot_name_buckets_are_refused(stack: str) -> None:
    with pytest.raises(StackNameError, match="must be 1-20 lowercase letters"):
        Naming("twin", stack)
