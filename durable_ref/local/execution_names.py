"""Lambda's rule for ``DurableExecutionName``, which the SDK's local runner (testing 1.4.0) does not apply.

On AWS a job is started with ``DurableExecutionName`` = its job id. Within the execution's retention the
service then starts nothing new for that name: the same payload gets the existing execution (running or
ended), another payload is refused (``DurableExecutionAlreadyStartedException``). The runner starts a new
execution for every ``run_async``, whatever its name, and forgets them with its store; this records each
named execution's payload and report in a bucket of its own on the same S3 endpoint, so that the record
lives and ends with the local "account" (moto's state), across ``run_local`` calls and processes. Its
client is a set-up client (``setup.setup_client``), which the job's counters do not see. Records never
expire: a local run is always within the retention period.
"""
from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from .setup import ensure_bucket

#: Where the local service keeps its record of named executions (not the pipeline's bucket).
REGISTRY_BUCKET = "durable-local-service"


class ExecutionNameTaken(Exception):
    """The name is used by an execution with another payload (Lambda's DurableExecutionAlreadyStartedException)."""


class ExecutionNames:
    def __init__(self, s3: Any, region: str | None, function: str) -> None:
        self._s3 = s3
        self._function = function
        ensure_bucket(s3, REGISTRY_BUCKET, region)

    def _key(self, name: str) -> str:
        return f"executions/{self._function}/{name}.json"

    def find(self, name: str, payload: str) -> dict[str, Any] | None:
        """The report of the execution named ``name``, None if there is none; raises ``ExecutionNameTaken``
        if it was started with another payload."""
        try:
            body = self._s3.get_object(Bucket=REGISTRY_BUCKET, Key=self._key(name))["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                return None
            raise
        record = json.loads(body)
        if record["payload"] != payload:
            raise ExecutionNameTaken(name)
        return record["report"]

    def record(self, name: str, payload: str, report: dict[str, Any]) -> None:
        body = json.dumps({"payload": payload, "report": report}).encode()
        self._s3.put_object(Bucket=REGISTRY_BUCKET, Key=self._key(name), Body=body)
