"""The front end: a bucket serving the built web UI, as an S3 website or behind CloudFront."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from infra import policies
from infra.buckets import own_and_encrypt
from infra.naming import Naming
from infra.web import NO_CACHE, RUNTIME_CONFIG, SiteFile

#: AWS's managed "CachingOptimized" cache policy; it honours the objects' Cache-Control headers.
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
#: AWS's managed "SimpleCORS" response headers policy: `Access-Control-Allow-Origin: *`.
SIMPLE_CORS = "60669652-455b-4ae9-85a4-c4c02393f86c"
INDEX = "index.html"


class StaticSite(pulumi.ComponentResource):
    """The front-end bucket and how it is served; `origin` is what the API allows in CORS.

    Its files may be fetched from any page (the embeddable widget reads `config.json` next to itself):
    a bucket CORS rule for the website, the managed SimpleCORS headers policy behind CloudFront.
    """

    bucket: aws.s3.Bucket
    url: pulumi.Output[str]
    distribution: aws.cloudfront.Distribution | None

    def __init__(
        self, naming: Naming, *, cloudfront: bool, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        name = naming.name("frontend")
        super().__init__("twin:infra:StaticSite", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(name, force_destroy=True, tags=naming.tags, opts=child)
        own_and_encrypt(name, self.bucket, child)
        # Behind CloudFront the bucket stays fully private; as a website only a public *policy* is allowed.
        block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=self.bucket.id,
            block_public_acls=True,
            ignore_public_acls=True,
            block_public_policy=cloudfront,
            restrict_public_buckets=cloudfront,
            opts=child,
        )
        if cloudfront:
            self.distribution = self._distribution(name, naming)
            read = {
                "Sid": "CloudFrontReadsObjects",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:GetObject",
                "Resource": pulumi.Output.concat(self.bucket.arn, "/*"),
                "Condition": {"StringEquals": {"AWS:SourceArn": self.distribution.arn}},
            }
            self.url = pulumi.Output.concat("https://", self.distribution.domain_name)
        else:
            self.distribution = None
            website = aws.s3.BucketWebsiteConfiguration(
                f"{name}-website",
                bucket=self.bucket.id,
                index_document=aws.s3.BucketWebsiteConfigurationIndexDocumentArgs(suffix=INDEX),
                error_document=aws.s3.BucketWebsiteConfigurationErrorDocumentArgs(key=INDEX),
                opts=child,
            )
            read = {
                "Sid": "PublicReadsObjects",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": pulumi.Output.concat(self.bucket.arn, "/*"),
            }
            self.url = pulumi.Output.concat("http://", website.website_endpoint)
            aws.s3.BucketCorsConfiguration(
                f"{name}-cors",
                bucket=self.bucket.id,
                cors_rules=[public_read_cors()],
                opts=child,
            )
        # S3 website endpoints speak only HTTP: a TLS-only deny would take the website down.
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=self.bucket.id,
            policy=policies.document([read, policies.tls_only(self.bucket.arn)] if cloudfront else [read]),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[block]),
        )
        self.register_outputs({"bucket": self.bucket.bucket, "url": self.url})

    @property
    def origin(self) -> pulumi.Output[str]:
        """The browser origin of the front end: its URL without a path."""
        return self.url

    def _distribution(self, name: str, naming: Naming) -> aws.cloudfront.Distribution:
        child = pulumi.ResourceOptions(parent=self)
        access = aws.cloudfront.OriginAccessControl(
            f"{name}-oac",
            name=f"{name}-oac",
            description=f"CloudFront reads {name}",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child,
        )
        return aws.cloudfront.Distribution(
            f"{name}-cdn",
            enabled=True,
            is_ipv6_enabled=True,
            http_version="http2and3",
            price_class="PriceClass_100",
            default_root_object=INDEX,
            origins=[
                aws.cloudfront.DistributionOriginArgs(
                    origin_id="site",
                    domain_name=self.bucket.bucket_regional_domain_name,
                    origin_access_control_id=access.id,
                )
            ],
            default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                target_origin_id="site",
                viewer_protocol_policy="redirect-to-https",
                allowed_methods=["GET", "HEAD"],
                cached_methods=["GET", "HEAD"],
                cache_policy_id=CACHING_OPTIMIZED,
                response_headers_policy_id=SIMPLE_CORS,
                compress=True,
            ),
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(
                    restriction_type="none"
                )
            ),
            viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(
                cloudfront_default_certificate=True
            ),
            tags=naming.tags,
            opts=child,
        )


def public_read_cors() -> aws.s3.BucketCorsConfigurationCorsRuleArgs:
    """Any page may fetch the UI's public files (the widget reads config.json from its own origin).

    The files are public anyway; who may talk to the twin is decided by the API's CORS, not this.
    """
    return aws.s3.BucketCorsConfigurationCorsRuleArgs(
        allowed_methods=["GET", "HEAD"], allowed_origins=["*"], max_age_seconds=3600
    )


class SiteContent(pulumi.ComponentResource):
    """The built web UI's files in the front-end bucket, plus the runtime config naming the API (and
    the streaming URL, when the stack streams)."""

    def __init__(
        self,
        naming: Naming,
        *,
        site: StaticSite,
        files: list[SiteFile],
        api_url: pulumi.Input[str],
        stream_url: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        name = naming.name("web")
        super().__init__("twin:infra:SiteContent", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        for file in files:
            aws.s3.BucketObjectv2(
                f"{name}/{file.key}",
                bucket=site.bucket.id,
                key=file.key,
                source=pulumi.FileAsset(str(file.path)),
                content_type=file.content_type,
                cache_control=file.cache_control,
                tags=naming.tags,
                opts=child,
            )
        aws.s3.BucketObjectv2(
            f"{name}/{RUNTIME_CONFIG}",
            bucket=site.bucket.id,
            key=RUNTIME_CONFIG,
            content=pulumi.Output.all(api_url, stream_url).apply(lambda urls: runtime_config(*urls)),
            content_type="application/json",
            cache_control=NO_CACHE,
            tags=naming.tags,
            opts=child,
        )
        self.register_outputs({"files": len(files) + 1})


def runtime_config(api_url: str, stream_url: str | None = None) -> str:
    """What the web UI reads at start-up, so one build serves every stack: the API, and where replies
    stream from when the stack streams (without it the client streams from the API, buffered)."""
    config = {"apiUrl": api_url}
    if stream_url is not None:
        config["streamUrl"] = stream_url
    return json.dumps(config)
