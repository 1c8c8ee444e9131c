"""The Pulumi program that deploys the twin to AWS: `pulumi up` runs `infra/__main__.py`."""
