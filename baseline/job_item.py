"""The job item: one per job, moved from stage to stage by conditional writes.

Attributes: ``input_key``, ``stage`` (validate, chunk, encode, assemble), ``status`` (RUNNING, SUCCEEDED,
FAILED), ``attempts`` (claims of the current stage), the stage lease
(``lease_owner``, ``lease_expires``), ``info`` (probe result), ``chunk_count``, ``pending`` (number set of
chunks not yet encoded), ``chunks_done``, ``error``/``error_kind``, ``output_key``/``output_frames``,
``created_at``/``updated_at`` and ``expires_at`` (TTL).

The fan-in lives here: each encoder removes its chunk from ``pending`` and adds 1 to ``chunks_done`` in
one conditional write (``contains(pending, i)``), so a chunk is counted exactly once however often its
event is delivered, and exactly one writer sees ``chunks_done == chunk_count``.
"""
from __future__ import annotations

from datetime import datetime, timezone

from media import MediaError

from .exceptions import ChunkAlreadyCountedError, ClaimRejectedError, LeaseLostError, StateConflictError
from .state import FAILED, LEASE_FREE, RUNNING, SUCCEEDED, Lease, Table, job_key

_TOUCH = "#updated_at = :now_iso"
_RELEASE = "REMOVE #lease_owner, #lease_expires"


#: When a job still waits on an event of each stage: it is RUNNING at that stage. A validate event may
#: have died before creating the job; an encode event is waited on while its chunk is pending; assembly
#: is due once no chunk is pending, before its claim moves the job to assemble.
_WAITING_ON = {
    "validate": "attribute_not_exists(#pk) OR (#input_key = :input_key AND #stage = :validate AND #status = :running)",
    "chunk": "#stage = :stage AND #status = :running",
    "encode": "#stage = :stage AND #status = :running AND contains(#pending, :chunk)",
    "assemble": "#status = :running AND (#stage = :stage OR (#stage = :encode AND attribute_not_exists(#pending)))",
}


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class JobItems:
    def __init__(self, table: Table) -> None:
        self.table = table

    def start(self, job_id: str, input_key: str, lease: Lease, max_attempts: int, expires_at: int) -> dict:
        """Create the job at stage validate, or take it back for a retry; one write either way."""
        return self.table.update(
            job_key(job_id),
            "SET #input_key = :input_key, #stage = if_not_exists(#stage, :stage), "
            "#status = if_not_exists(#status, :running), #created_at = if_not_exists(#created_at, :now_iso), "
            "#expires_at = if_not_exists(#expires_at, :ttl), #lease_owner = :owner, #lease_expires = :expires, "
            "#updated_at = :now_iso ADD #attempts :one",
            "attribute_not_exists(#pk) OR (#input_key = :input_key AND #stage = :stage AND #status = :running "
            f"AND #attempts < :max AND {LEASE_FREE})",
            {":input_key": input_key, ":stage": "validate", ":running": RUNNING, ":now_iso": _now_iso(),
             ":ttl": expires_at, ":one": 1, ":max": max_attempts, **lease.values()},
            returns="ALL_NEW",
            conflict=ClaimRejectedError,
        )

    def claim(self, job_id: str, stage: str, lease: Lease, max_attempts: int) -> dict:
        """Take the lease of ``stage`` (chunk) for this invocation; returns the job item."""
        return self.table.update(
            job_key(job_id),
            f"SET #lease_owner = :owner, #lease_expires = :expires, {_TOUCH} ADD #attempts :one",
            f"#stage = :stage AND #status = :running AND #attempts < :max AND {LEASE_FREE}",
            {":stage": stage, ":running": RUNNING, ":max": max_attempts, ":one": 1, ":now_iso": _now_iso(),
             **lease.values()},
            returns="ALL_NEW",
            conflict=ClaimRejectedError,
        )

    def claim_assembly(self, job_id: str, lease: Lease, max_attempts: int) -> dict:
        """Move a job whose chunks are all done from encode to assemble, or take assemble back for a retry."""
        return self.table.update(
            job_key(job_id),
            f"SET #stage = :assemble, #lease_owner = :owner, #lease_expires = :expires, {_TOUCH} "
            "ADD #attempts :one",
            "#status = :running AND ((#stage = :encode AND attribute_not_exists(#pending)) OR "
            f"(#stage = :assemble AND #attempts < :max AND {LEASE_FREE}))",
            {":assemble": "assemble", ":encode": "encode", ":running": RUNNING, ":max": max_attempts, ":one": 1,
             ":now_iso": _now_iso(), **lease.values()},
            returns="ALL_NEW",
            conflict=ClaimRejectedError,
        )

    def advance(self, job_id: str, stage: str, lease: Lease, next_stage: str, **attributes: object) -> None:
        """Hand the job from ``stage`` to ``next_stage``, releasing the lease and setting ``attributes``."""
        sets = "".join(f", #{name} = :{name}" for name in attributes)
        self.table.update(
            job_key(job_id),
            f"SET #stage = :next, #attempts = :zero, {_TOUCH}{sets} {_RELEASE}",
            "#stage = :stage AND #status = :running AND #lease_owner = :owner",
            {":next": next_stage, ":stage": stage, ":running": RUNNING, ":zero": 0,
             ":now_iso": _now_iso(), ":owner": lease.owner, **{f":{k}": v for k, v in attributes.items()}},
            conflict=LeaseLostError,
        )

    def count_chunk_done(self, job_id: str, index: int) -> int:
        """Count chunk ``index`` as done, once; returns how many chunks are done now."""
        attributes = self.table.update(
            job_key(job_id),
            "DELETE #pending :chunk_set ADD #chunks_done :one SET #updated_at = :now_iso",
            "#status = :running AND contains(#pending, :chunk)",
            {":chunk_set": {index}, ":chunk": index, ":one": 1, ":running": RUNNING, ":now_iso": _now_iso()},
            returns="UPDATED_NEW",
            conflict=ChunkAlreadyCountedError,
        )
        return int(attributes["chunks_done"])

    def succeed(self, job_id: str, lease: Lease, output_key: str, output_frames: int) -> None:
        self.table.update(
            job_key(job_id),
            f"SET #status = :succeeded, #output_key = :output_key, #output_frames = :frames, {_TOUCH} {_RELEASE}",
            "#stage = :assemble AND #status = :running AND #lease_owner = :owner",
            {":succeeded": SUCCEEDED, ":output_key": output_key, ":frames": output_frames, ":assemble": "assemble",
             ":running": RUNNING, ":owner": lease.owner, ":now_iso": _now_iso()},
            conflict=LeaseLostError,
        )

    def fail(self, job_id: str, error: MediaError) -> bool:
        """Mark a running job FAILED with ``str(error)`` and ``error.kind``; False if it had already ended."""
        try:
            self.table.update(
                job_key(job_id),
                f"SET #status = :failed, #error = :error, #error_kind = :kind, {_TOUCH} {_RELEASE}",
                "#status = :running",
                {":failed": FAILED, ":error": str(error), ":kind": error.kind, ":running": RUNNING,
                 ":now_iso": _now_iso()},
            )
        except StateConflictError:
            return False
        return True

    def fail_abandoned(
        self, job_id: str, stage: str, error: MediaError, *, input_key: str, index: int | None, expires_at: int
    ) -> tuple[bool, dict | None]:
        """Fail the job if it still waits on an event of ``stage`` that Lambda gave up on (for encode: on
        chunk ``index``); a validate event may have died before creating the job, so this creates it
        FAILED. Returns (whether this call failed it, the job item as it is now)."""
        waiting = _WAITING_ON[stage]
        values = {":failed": FAILED, ":error": str(error), ":kind": error.kind, ":running": RUNNING,
                  ":now_iso": _now_iso(), ":input_key": input_key, ":validate": "validate", ":ttl": expires_at}
        # DynamoDB refuses values the expressions do not use: only the condition's own.
        if stage != "validate":
            values[":stage"] = stage
        if stage == "encode":
            values[":chunk"] = index
        if stage == "assemble":
            values[":encode"] = "encode"
        try:
            job = self.table.update(
                job_key(job_id),
                "SET #status = :failed, #error = :error, #error_kind = :kind, #updated_at = :now_iso, "
                "#input_key = if_not_exists(#input_key, :input_key), #stage = if_not_exists(#stage, :validate), "
                "#created_at = if_not_exists(#created_at, :now_iso), #expires_at = if_not_exists(#expires_at, :ttl) "
                f"{_RELEASE}",
                waiting,
                values,
                returns="ALL_NEW",
            )
        except StateConflictError as refused:
            return False, refused.current
        return True, job

    def get(self, job_id: str) -> dict | None:
        return self.table.get(job_key(job_id))
