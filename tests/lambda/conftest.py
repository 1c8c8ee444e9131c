"""The Lambda package, built once for the session and unzipped as Lambda unzips it, and what the
python3.12 runtime provides beside it."""

from __future__ import annotations

import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from infra.lambda_zip import PackageOptions, build_package, find_python312, pip_install_for_lambda
from tests.conftest import EXAMPLE_PERSONA
from tests.support.fake_openai import FakeOpenAI
from tests.support.moto_s3 import MotoS3Server


@pytest.fixture(scope="session")
def python312() -> str:
    python = find_python312()
    assert python, "python3.12 is needed (the machine image ships one)"
    return python


@pytest.fixture(scope="session")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("lambda")
    options = PackageOptions(
        output=work / "lambda.zip", persona_dir=EXAMPLE_PERSONA, build_dir=work / "build"
    )
    build_package(options, log=lambda _: None)
    return options.output


@pytest.fixture(scope="session")
def unzipped(package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package as /var/task: unzipped with the modes its entries carry (Lambda keeps them)."""
    target = tmp_path_factory.mktemp("task")
    with zipfile.ZipFile(package) as archive:
        for info in archive.infolist():
            path = Path(archive.extract(info, target))
            path.chmod(stat.S_IMODE(info.external_attr >> 16))
    return target


@pytest.fixture(scope="session")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the python3.12 Lambda runtime provides beside the package: boto3 and SnapStart's hooks."""
    target = tmp_path_factory.mktemp("runtime")
    pip_install_for_lambda(["boto3", "snapshot-restore-py"], target, "x86_64")
    return target


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def bucket(moto_s3: MotoS3Server) -> Iterator[str]:
    name = "twin-lambda-test"
    client = boto3.client("s3", endpoint_url=moto_s3.endpoint)
    client.create_bucket(Bucket=name)
    yield name
    for item in client.list_objects_v2(Bucket=name).get("Contents", []):
        client.delete_object(Bucket=name, Key=item["Key"])
    client.delete_bucket(Bucket=name)
