"""S3 I/O of the pipeline: whole-object GETs and PUTs (one request each), a publish-once PUT, and clean-up.

Objects are read with one ``GetObject`` streamed to a local file and written with one ``PutObject``;
s3transfer's managed transfers would add a ``HeadObject`` per download and multipart calls per upload.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from botocore.exceptions import ClientError

from media import layout

from .exceptions import WorkObjectMissingError

_COPY_BUFFER = 1024 * 1024
#: S3 user metadata of a published output (x-amz-meta-input-key, x-amz-meta-input-etag); the durable
#: reference records the same names.
_INPUT_KEY, _INPUT_ETAG = "input-key", "input-etag"
#: DeleteObjects takes at most this many keys per request.
_DELETE_BATCH = 1000


@dataclass(frozen=True)
class InputIdentity:
    """Which input object a job read: its key and the ETag validate saw (another upload to the same key
    has another ETag)."""

    key: str
    etag: str

    def metadata(self) -> dict[str, str]:
        return {_INPUT_KEY: self.key, _INPUT_ETAG: self.etag}

    @classmethod
    def from_metadata(cls, metadata: dict[str, str]) -> "InputIdentity | None":
        if _INPUT_KEY not in metadata or _INPUT_ETAG not in metadata:
            return None
        return cls(metadata[_INPUT_KEY], metadata[_INPUT_ETAG])


class Storage:
    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def download(self, key: str, path: Path) -> str:
        """Write object ``key`` to ``path`` and return its ETag; raise ``WorkObjectMissingError`` if there
        is none."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
                raise WorkObjectMissingError(f"work object {self.url(key)} does not exist") from None
            raise
        with response["Body"] as body, open(path, "wb") as out:
            shutil.copyfileobj(body, out, _COPY_BUFFER)
        return response["ETag"]

    def upload(self, path: Path, key: str) -> None:
        with open(path, "rb") as data:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data)

    def publish_once(self, path: Path, key: str, source: InputIdentity) -> bool:
        """Create ``key`` only if it does not exist yet, recording in its metadata which input it was made
        from; False if it exists already (published by an earlier attempt, or by an earlier job under the
        same id: ``published_from`` tells which)."""
        try:
            with open(path, "rb") as data:
                self.client.put_object(Bucket=self.bucket, Key=key, Body=data, IfNoneMatch="*",
                                       Metadata=source.metadata())
        except ClientError as error:
            if error.response["Error"]["Code"] in ("PreconditionFailed", "ConditionalRequestConflict"):
                return False
            raise
        return True

    def etag(self, key: str) -> str | None:
        """The ETag of object ``key`` now (one ``HeadObject``), None if there is none."""
        try:
            return self.client.head_object(Bucket=self.bucket, Key=key)["ETag"]
        except ClientError as error:
            if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
                return None
            raise

    def published_from(self, key: str) -> InputIdentity | None:
        """The input a published object was made from, read from its metadata (None if it records none)."""
        metadata = self.client.head_object(Bucket=self.bucket, Key=key).get("Metadata", {})
        return InputIdentity.from_metadata(metadata)

    def delete(self, keys: Iterable[str]) -> None:
        """Delete ``keys``; keys that are already gone are not an error, so clean-up can be repeated."""
        keys = list(keys)
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = [{"Key": key} for key in keys[start : start + _DELETE_BATCH]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    def delete_work(self, job_id: str, chunk_count: int | None) -> None:
        """Remove a job's intermediate objects: by their known keys when the chunk count is known,
        otherwise (a job that failed while chunking) by listing its work prefix."""
        if chunk_count is not None:
            self.delete([layout.chunk_key(job_id, i) for i in range(chunk_count)]
                        + [layout.encoded_key(job_id, i) for i in range(chunk_count)])
            return
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=layout.work_prefix(job_id)):
            self.delete(item["Key"] for item in page.get("Contents", []))
