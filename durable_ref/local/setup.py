"""The harness's own S3 calls (creating buckets, the execution-name record), not the job's: through a
sibling of the job's Session, so that counters registered on the job's Session do not see them."""
from __future__ import annotations

import weakref
from typing import Any

import boto3
from botocore.exceptions import ClientError

from local_aws import sibling_session

from .. import storage

#: One set-up client per job Session and endpoint: a sibling Session costs ~0.2 s to make here.
_clients: "weakref.WeakKeyDictionary[boto3.session.Session, dict[str | None, Any]]" = weakref.WeakKeyDictionary()


def setup_client(session: boto3.session.Session, endpoint_url: str | None) -> Any:
    by_endpoint = _clients.setdefault(session, {})
    if endpoint_url not in by_endpoint:
        by_endpoint[endpoint_url] = sibling_session(session).client(
            "s3", endpoint_url=endpoint_url, config=storage.CLIENT_CONFIG
        )
    return by_endpoint[endpoint_url]


def ensure_bucket(client: Any, bucket: str, region: str | None) -> None:
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError:
        options = {} if region in (None, "us-east-1") else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        client.create_bucket(Bucket=bucket, **options)
