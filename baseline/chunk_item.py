"""Chunk items: one per chunk, created when the chunk is first claimed by an encoder.

Attributes: ``status`` (RUNNING, DONE, FAILED), ``attempts`` (every claim and every retry counts, crashed
ones too, so a chunk that keeps killing its encoder still runs out of attempts), the lease
(``lease_owner``, ``lease_expires``), ``last_error``, ``updated_at`` and ``expires_at`` (TTL).
"""
from __future__ import annotations

from datetime import datetime, timezone

from .exceptions import ClaimRejectedError, LeaseLostError
from .state import DONE, FAILED, LEASE_FREE, RUNNING, Lease, Table, chunk_key

_RELEASE = "REMOVE #lease_owner, #lease_expires"
_OWNED = "#status = :running AND #lease_owner = :owner"


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class ChunkItems:  # stage: encoding
    def __init__(self, table: Table) -> None:
        self.table = table

    def claim(self, job_id: str, index: int, lease: Lease, max_attempts: int, expires_at: int) -> int:
        """Take chunk ``index`` for this invocation; returns its attempt number (1 on the first claim)."""
        item = self.table.update(
            chunk_key(job_id, index),
            "SET #status = :running, #lease_owner = :owner, #lease_expires = :expires, #updated_at = :now_iso, "
            "#expires_at = if_not_exists(#expires_at, :ttl) ADD #attempts :one",
            f"attribute_not_exists(#pk) OR (#status = :running AND #attempts < :max AND {LEASE_FREE})",
            {":running": RUNNING, ":ttl": expires_at, ":one": 1, ":max": max_attempts, ":now_iso": _now_iso(),
             **lease.values()},
            returns="UPDATED_NEW",
            conflict=ClaimRejectedError,
        )
        return int(item["attempts"])

    def retry(self, job_id: str, index: int, lease: Lease, error: Exception) -> int:
        """Record a failed attempt and start the next one under the same lease; returns its number."""
        item = self.table.update(
            chunk_key(job_id, index),
            "SET #last_error = :error, #updated_at = :now_iso ADD #attempts :one",
            _OWNED,
            {":error": str(error), ":one": 1, ":running": RUNNING, ":owner": lease.owner, ":now_iso": _now_iso()},
            returns="UPDATED_NEW",
            conflict=LeaseLostError,
        )
        return int(item["attempts"])

    def done(self, job_id: str, index: int, lease: Lease) -> None:
        self.table.update(
            chunk_key(job_id, index),
            f"SET #status = :done, #updated_at = :now_iso {_RELEASE}",
            _OWNED,
            {":done": DONE, ":running": RUNNING, ":owner": lease.owner, ":now_iso": _now_iso()},
            conflict=LeaseLostError,
        )

    def fail(self, job_id: str, index: int, lease: Lease, error: Exception | str) -> None:
        """Mark the chunk FAILED: by its holder, or by anyone once its last holder is dead."""
        self.table.update(
            chunk_key(job_id, index),
            f"SET #status = :failed, #last_error = :error, #updated_at = :now_iso {_RELEASE}",
            f"#status = :running AND {LEASE_FREE}",
            {":failed": FAILED, ":error": str(error), ":running": RUNNING, ":now_iso": _now_iso(),
             ":owner": lease.owner, ":now": lease.now_ms},
            conflict=LeaseLostError,
        )
