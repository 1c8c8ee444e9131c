"""S3 backend: documents as JSON objects in one bucket, guarded by S3 conditional writes, not locks."""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread
import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from memory.errors import ConflictError, StoreError, StoreUnavailable
from memory.store import Document, Store, is_segment, namespace_of

log = logging.getLogger("twin.memory")

T = TypeVar("T")

#: Attempts per S3 request (the first one included), in botocore's `standard` retry mode.
DEFAULT_MAX_ATTEMPTS = 3
#: What a visitor reads when S3 fails; details go to the log only.
UNAVAILABLE = "memory unavailable, try again"

#: Codes of a missing key (HEAD answers carry no body, hence the bare "404"); not NoSuchBucket.
_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
#: Answers that mean "someone else wrote first": the shared `append` re-reads and re-applies.
_CONFLICT_CODES = frozenset({"PreconditionFailed", "ConditionalRequestConflict"})

#: The object metadata naming the write that stored a version (a random id per write).
WRITE_ID = "twin-write"

#: Request parameters the store relies on. Older botocore releases (the Lambda runtime's own copy can
#: lag) reject them as unknown, which would turn every write into a 503: refuse to start instead.
REQUIRED_PARAMETERS = {"PutObject": ("IfMatch", "IfNoneMatch"), "DeleteObject": ("IfMatch",)}


class S3Store(Store):
    """Documents as `<prefix><key>.json` objects in one bucket, guarded by S3 conditional writes.

    S3 evaluates `If-None-Match: *` (create) and `If-Match: <etag>` (update) atomically, so any
    number of processes can write without locks: the loser gets 412 (ConflictError) and re-reads.
    Each PUT replaces the whole object, so a failed or interrupted request leaves the previous version.

    boto3 is synchronous; every call runs in a worker thread so the event loop never waits on S3, and
    `call_s3` is the one place its failures are mapped. The endpoint comes from boto3's own
    configuration (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`) unless `endpoint_url` is given.
    """

    kind = "s3"

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        timeout_seconds: float = 5.0,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        endpoint_url: str | None = None,
        client: Any = None,
    ) -> None:
        if not bucket:
            raise ValueError("S3Store needs a bucket name")
        self.bucket = bucket
        self.namespace = namespace_of(prefix)
        self._client = client or s3_client(
            timeout_seconds=timeout_seconds, max_attempts=max_attempts, endpoint_url=endpoint_url
        )
        #: A call as a whole, retries included: botocore's timeouts bound each connect and each read
        #: only, so a body trickling in a byte at a time would hold the caller for as long as it lasts.
        self._deadline = 2 * timeout_seconds * max_attempts
        require_conditional_requests(self._client)

    @property
    def client(self) -> Any:
        """The boto3 client (shared by every view and call; boto3 clients are thread-safe)."""
        return self._client

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.namespace}"

    async def close(self) -> None:
        await anyio.to_thread.run_sync(self._client.close)

    def object_key(self, key: str) -> str:
        """The object key of a document in this view; its segments are validated first."""
        return f"{self._full(key)}.json"

    async def _call(self, operation: str, fn: Callable[..., T], /, **kwargs: Any) -> T:
        try:
            with anyio.fail_after(self._deadline):
                return await call_s3(self.bucket, operation, fn, **kwargs)
        except TimeoutError as exc:
            log.warning(
                "S3 %s on s3://%s failed: no answer within %g s", operation, self.bucket, self._deadline
            )
            raise StoreUnavailable(UNAVAILABLE) from exc

    async def _get(self, key: str) -> Document | None:
        try:
            return await self._call("GetObject", self._get_body, Bucket=self.bucket, Key=f"{key}.json")
        except Missing:
            return None

    def _get_body(self, **kwargs: Any) -> Document:
        """GET and read the body in the same worker thread (the read can time out too)."""
        response = self._client.get_object(**kwargs)
        with response["Body"] as body:
            return Document(body.read(), str(response["ETag"]))

    async def _put(self, key: str, raw: bytes, expected_version: str | None) -> str:
        condition = {"IfNoneMatch": "*"} if expected_version is None else {"IfMatch": expected_version}
        write = secrets.token_hex(8)
        try:
            response = await self._call(
                "PutObject",
                self._client.put_object,
                Bucket=self.bucket,
                Key=f"{key}.json",
                Body=raw,
                ContentType="application/json",
                Metadata={WRITE_ID: write},
                **condition,
            )
        except Missing as exc:
            if expected_version is None:
                raise StoreUnavailable(UNAVAILABLE) from exc
            # If-Match on an object deleted since we read it: re-read (and find it gone)
            raise ConflictError("the document was deleted while it was being written") from exc
        except ConflictError as exc:
            version = await self._landed(key, write) if _retried(exc.__cause__) else None
            if version is None:
                raise
            return version
        return str(response["ETag"])

    async def _landed(self, key: str, write: str) -> str | None:
        """The stored version if it is this very write. S3 may store a PUT whose answer is lost (a
        5xx, a timeout); the client's retry then finds the object changed, by that write, and gets
        412. Taken for a conflict, the change would be re-read and applied twice."""
        try:
            head = await self._call(
                "HeadObject", self._client.head_object, Bucket=self.bucket, Key=f"{key}.json"
            )
        except Missing:
            return None
        return str(head["ETag"]) if head.get("Metadata", {}).get(WRITE_ID) == write else None

    async def _delete(self, key: str, expected_version: str | None) -> bool:
        condition: dict[str, str] = {}
        if expected_version is None:
            try:
                await self._call(
                    "HeadObject", self._client.head_object, Bucket=self.bucket, Key=f"{key}.json"
                )
            except Missing:
                return False
        else:
            condition = {"IfMatch": expected_version}
        try:
            await self._call(
                "DeleteObject", self._client.delete_object, Bucket=self.bucket, Key=f"{key}.json", **condition
            )
        except (ConflictError, Missing):
            return False  # gone, or changed since it was judged: keep it
        return True

    async def _list(self, folder: str) -> list[str]:
        return await self._call("ListObjectsV2", self._list_names, folder=folder)

    def _list_names(self, folder: str) -> list[str]:
        names = []
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=folder, Delimiter="/"):
            for item in page.get("Contents", ()):
                name = str(item["Key"])[len(folder) :]
                stem = name.removesuffix(".json")
                if stem != name and is_segment(stem):
                    names.append(stem)
        return names


def s3_client(
    *, timeout_seconds: float, max_attempts: int = DEFAULT_MAX_ATTEMPTS, endpoint_url: str | None = None
) -> Any:
    """A boto3 S3 client with the stores' timeouts and bounded retries (shared by every S3 backend)."""
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        config=Config(
            connect_timeout=timeout_seconds,
            read_timeout=timeout_seconds,
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            # enough for the worker threads of many concurrent turns without pool churn
            max_pool_connections=32,
        ),
    )
    return client


async def call_s3(bucket: str, operation: str, fn: Callable[..., T], /, **kwargs: Any) -> T:
    """Run one boto3 call in a worker thread and map its failure to the store's errors.

    A missing key raises `Missing`; 412 raises ConflictError; anything else is logged without the
    key and raised as StoreUnavailable. A cancelled caller (its deadline passed) stops waiting for
    the thread, which finishes on its own, its result unused.
    """
    try:
        return await anyio.to_thread.run_sync(functools.partial(fn, **kwargs), abandon_on_cancel=True)
    except ClientError as exc:
        code = _error_code(exc)
        if code in _MISSING_CODES:
            raise Missing from exc
        if code in _CONFLICT_CODES or _status(exc) == 412:
            raise ConflictError("the document changed while it was being written") from exc
        log.warning("S3 %s on s3://%s failed: %s (HTTP %s)", operation, bucket, code, _status(exc))
        raise StoreUnavailable(UNAVAILABLE) from exc
    except BotoCoreError as exc:
        log.warning("S3 %s on s3://%s failed: %s", operation, bucket, type(exc).__name__)
        raise StoreUnavailable(UNAVAILABLE) from exc


def _retried(error: BaseException | None) -> bool:
    """Whether a failed request had been sent more than once (botocore's retries)."""
    if not isinstance(error, ClientError):
        return False
    return int(error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)) > 0


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status(exc: ClientError) -> int | None:
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return int(status) if status is not None else None


def require_conditional_requests(client: Any) -> None:
    model = client.meta.service_model
    for operation, parameters in REQUIRED_PARAMETERS.items():
        members = model.operation_model(operation).input_shape.members
        missing = [name for name in parameters if name not in members]
        if missing:
            import botocore

            raise StoreError(
                f"the S3 store needs conditional requests ({operation} {', '.join(missing)}), which "
                f"botocore {botocore.__version__} does not know; install a newer boto3/botocore "
                "(on Lambda: bundle it with the package)"
            )


class Missing(Exception):
    """The key (or, for a conditional PUT, the object it was conditional on) does not exist."""
