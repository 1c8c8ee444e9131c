"""`twin package`: build dist/lambda.zip for AWS Lambda (python3.12), without Docker."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from service.settings import Settings


def add_commands(subparsers: Any) -> None:
    package = subparsers.add_parser("package", help="build the AWS Lambda zip (python3.12)")
    package.add_argument("-o", "--output", type=Path, default=Path("dist/lambda.zip"))
    package.add_argument("--arch", choices=("x86_64", "arm64"), default="x86_64")
    package.add_argument(
        "--bundle-boto3", action="store_true", help="include boto3/botocore (the runtime provides them)"
    )
    package.set_defaults(run=_package)


def _package(args: argparse.Namespace) -> int:
    from infra.lambda_zip import PackageError, PackageOptions, build_package

    settings = Settings.from_env()
    options = PackageOptions(
        output=args.output, persona_dir=settings.persona_dir, arch=args.arch, bundle_boto3=args.bundle_boto3
    )
    try:
        build_package(options)
    except PackageError as exc:
        print(f"twin package: {exc}", file=sys.stderr)
        return 1
    return 0
