"""S3 I/O of the pipeline: whole-object GETs and PUTs (one request each), a publish-once PUT, and clean-up.

Objects are read with one ``GetObject`` streamed to a local file and written with one ``PutObject``;
s3transfer's managed transfers would add a ``HeadObject`` per download and multipart calls per upload.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Iterable

from botocore.exceptions import ClientError

from media import layout

from .exceptions import WorkObjectMissingError

_COPY_BUFFER = 1024 * 1024
#: DeleteObjects takes at most this many keys per request.
_DELETE_BATCH = 1000


class Storage:
    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def download(self, key: str, path: Path) -> Path:
        """Write object ``key`` to ``path``; raise ``WorkObjectMissingError`` if there is none."""
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except ClientError as error:
            if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
                raise WorkObjectMissingError(f"object {self.url(key)} does not exist") from None
            raise
        with body, open(path, "wb") as out:
            shutil.copyfileobj(body, out, _COPY_BUFFER)
        return path

    def upload(self, path: Path, key: str) -> None:
        with open(path, "rb") as data:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data)

    def publish_once(self, path: Path, key: str) -> bool:
        """Create ``key`` only if it does not exist yet; False if an earlier attempt already published it."""
        try:
            with open(path, "rb") as data:
                self.client.put_object(Bucket=self.bucket, Key=key, Body=data, IfNoneMatch="*")
        except ClientError as error:
            if error.response["Error"]["Code"] in ("PreconditionFailed", "ConditionalRequestConflict"):
                return False
            raise
        return True

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
