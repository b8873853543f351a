"""What every handler works with: settings, the table, the bucket and the invoker, built from one
boto3 Session.

On AWS the runtime is built once per execution environment from the function's environment. The local
harness installs its own (a Session pointed at moto, an in-process invoker) with ``use``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from .chunk_item import ChunkItems
from .config import BaselineConfig
from .invoker import Invoker, LambdaInvoker
from .job_item import JobItems
from .state import Table
from .storage import Storage

#: Throttling and transient AWS errors are retried by botocore, with backoff, before a handler sees them.
#: Request checksums only where an API requires them (as botocore did before 1.36): S3 checks each PUT's
#: length and TLS its bytes, and a streamed CRC over every media upload cost more CPU than the upload.
#: For the same reason S3 bodies are sent as UNSIGNED-PAYLOAD over TLS: without a checksum header botocore
#: would otherwise hash every uploaded byte with SHA-256 for the signature (30 ms per 19 MB here).
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    request_checksum_calculation="when_required",
    response_checksum_validation="when_required",
    s3={"payload_signing_enabled": False},
)


@dataclass(frozen=True)
class Runtime:
    config: BaselineConfig
    jobs: JobItems
    chunks: ChunkItems
    storage: Storage
    invoker: Invoker

    @classmethod
    def build(
        cls,
        config: BaselineConfig,
        session: boto3.session.Session,
        invoker: Invoker | None = None,
        endpoint_url: str | None = None,
    ) -> "Runtime":
        def client(service: str) -> Any:
            return session.client(service, config=CLIENT_CONFIG, endpoint_url=endpoint_url)

        table = Table(client("dynamodb"), config.table)
        return cls(
            config=config,
            jobs=JobItems(table),
            chunks=ChunkItems(table),
            storage=Storage(client("s3"), config.bucket),
            invoker=invoker or LambdaInvoker(client("lambda"), config.functions),
        )


_active: Runtime | None = None


def current() -> Runtime:
    global _active
    if _active is None:
        _active = Runtime.build(BaselineConfig.from_environment(), boto3.session.Session())
    return _active


def use(runtime: Runtime | None) -> None:
    """Make ``runtime`` the one all handlers of this process use (None: back to the environment's)."""
    global _active
    _active = runtime
