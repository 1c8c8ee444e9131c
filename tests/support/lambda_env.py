"""The environment the infrastructure gives the twin's functions, pointed at local test servers."""

from __future__ import annotations

import boto3

from tests.support.apigw import API_HOST
from tests.support.fake_openai import FakeOpenAI
from tests.support.moto_s3 import FAKE_CREDENTIALS, MotoS3Server
from tests.support.owner import PASSWORD

#: The front end's origin in every test environment (CORS_ORIGINS).
ALLOWED = "https://owner.example"


def lambda_env(moto: MotoS3Server, bucket: str) -> dict[str, str]:
    return FAKE_CREDENTIALS | {
        "AWS_ENDPOINT_URL_S3": moto.endpoint,
        "USE_S3": "true",
        "S3_BUCKET": bucket,
        "CORS_ORIGINS": ALLOWED,
        "TWIN_ALLOWED_HOSTS": API_HOST,  # as the Pulumi program sets the buffered function's
        "TWIN_OWNER_PASSWORD": PASSWORD,
    }


def openai_env(moto: MotoS3Server, bucket: str, fake: FakeOpenAI, topic: str) -> dict[str, str]:
    """The OpenAI provider on the local test server; owner notifications to SNS (on moto) and to a
    webhook that refuses them (the test server answers 404), so both channels run."""
    return lambda_env(moto, bucket) | {
        "OPENAI_BASE_URL": fake.base_url,
        "OPENAI_API_KEY": "test",
        "TWIN_LLM_MAX_RETRIES": "0",
        "AWS_ENDPOINT_URL_SNS": moto.endpoint,
        "TWIN_NOTIFY_SNS_TOPIC_ARN": topic,
        "TWIN_NOTIFY_WEBHOOK_URL": f"{fake.url}/webhook",
        "TWIN_TOKENS_PER_IP_PER_MINUTE": "0",  # the tests send turns from one address back to back
    }


def sns_topic(moto: MotoS3Server) -> str:
    sns = boto3.client("sns", endpoint_url=moto.endpoint, region_name="us-east-1")
    return str(sns.create_topic(Name="twin-lambda-owner")["TopicArn"])
