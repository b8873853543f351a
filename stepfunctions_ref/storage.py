"""S3 I/O of the task functions: every client comes from one boto3 Session, which the local harness can set.

As in the baseline, objects are read with one ``GetObject`` streamed to a local file and written with one
``PutObject``; s3transfer's managed transfers would add a ``HeadObject`` per download and multipart calls
per upload.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from .exceptions import InputNotFoundError, WorkObjectMissingError

#: The same client settings as the baseline's, so that neither side pays for S3 I/O the other does not:
#: throttling retried by botocore with backoff, request checksums only where an API requires them, and
#: bodies sent as UNSIGNED-PAYLOAD over TLS rather than hashed for the signature.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    request_checksum_calculation="when_required",
    response_checksum_validation="when_required",
    s3={"payload_signing_enabled": False},
)

_COPY_BUFFER = 1024 * 1024

_lock = threading.Lock()
_session: boto3.session.Session | None = None
_endpoint_url: str | None = None
_client = None


def use_session(session: boto3.session.Session | None, endpoint_url: str | None = None) -> None:
    """Create clients from ``session`` (and ``endpoint_url``) from now on; None means the default session."""
    global _session, _endpoint_url, _client
    with _lock:
        _session, _endpoint_url, _client = session, endpoint_url, None


def s3():
    global _client
    with _lock:
        if _client is None:
            _client = (_session or boto3.session.Session()).client("s3", endpoint_url=_endpoint_url, config=CLIENT_CONFIG)
        return _client


def _get(bucket: str, key: str, path: str | os.PathLike, missing: type[Exception], what: str) -> str:
    """Stream object ``key`` to ``path``; return its ETag. A missing object raises ``missing``."""
    try:
        response = s3().get_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
            raise missing(f"{what} s3://{bucket}/{key} does not exist") from None
        raise
    with response["Body"] as body, open(path, "wb") as out:
        shutil.copyfileobj(body, out, _COPY_BUFFER)
    return response["ETag"]


def download_input(bucket: str, key: str, path: str | os.PathLike) -> tuple[Path, str]:
    """The job's input to ``path``; return the path and the object's ETag (its identity at publish)."""
    etag = _get(bucket, key, path, InputNotFoundError, "input object")
    return Path(path), etag


def download_work(bucket: str, key: str, path: str | os.PathLike) -> Path:
    """A chunk or an encoded part to ``path``."""
    _get(bucket, key, path, WorkObjectMissingError, "work object")
    return Path(path)


def metadata(bucket: str, key: str) -> dict[str, str] | None:
    """The user metadata of object ``key`` (boto3's ``Metadata``), None if there is no such object."""
    try:
        return s3().head_object(Bucket=bucket, Key=key)["Metadata"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def upload(path: str | os.PathLike, bucket: str, key: str) -> str:
    with open(path, "rb") as data:
        s3().put_object(Bucket=bucket, Key=key, Body=data)
    return key


def publish_once(path: str | os.PathLike, bucket: str, key: str, metadata: dict[str, str]) -> bool:
    """Create ``key`` with ``metadata`` only if it does not exist yet (``IfNoneMatch="*"``, as the baseline
    publishes); False if it already did, whoever wrote it."""
    try:
        with open(path, "rb") as data:
            s3().put_object(Bucket=bucket, Key=key, Body=data, Metadata=metadata, IfNoneMatch="*")
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("PreconditionFailed", "ConditionalRequestConflict"):
            return False
        raise
    return True


def delete_prefix(bucket: str, prefix: str) -> int:
    """Delete every object under ``prefix``; return how many there were."""
    deleted = 0
    for page in s3().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            s3().delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            deleted += len(keys)
    return deleted
