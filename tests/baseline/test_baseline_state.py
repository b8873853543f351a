"""The state layer on its own: claims, leases, attempts and the fan-in count, on moto (atomic)."""
from __future__ import annotations

import threading

import pytest

from baseline.chunk_item import ChunkItems
from baseline.exceptions import ChunkAlreadyCountedError, ClaimRejectedError, LeaseLostError
from baseline.job_item import JobItems
from baseline.local.resources import ensure_table
from baseline.state import Lease, Table

TABLE = "jobs-under-test"
NOW = 1_000_000


def lease(owner: str, now: int = NOW, ttl: int = 60_000) -> Lease:
    return Lease(owner, now + ttl, now)


@pytest.fixture
def table(session) -> Table:  # type: ignore[no-untyped-def]
    client = session.client("dynamodb")
    ensure_table(client, TABLE)
    return Table(client, TABLE)


def test_a_chunk_is_claimed_once_retried_by_its_own_request_and_taken_over_after_its_deadline(table: Table) -> None:
    chunks = ChunkItems(table)
    assert chunks.claim("j", 0, lease("req-a"), max_attempts=3, expires_at=1) == 1
    # A duplicate delivery (another request id) while the holder is alive is refused and told who holds it.
    with pytest.raises(ClaimRejectedError) as refused:
        chunks.claim("j", 0, lease("req-b"), max_attempts=3, expires_at=1)
    assert refused.value.current["lease_owner"] == "req-a"
    # Lambda's retry of the same event keeps the request id: it takes its work back at once.
    assert chunks.claim("j", 0, lease("req-a"), max_attempts=3, expires_at=1) == 2
    # Once the holder's deadline has passed, anyone may take over; that is the last attempt allowed.
    assert chunks.claim("j", 0, lease("req-c", now=NOW + 120_000), max_attempts=3, expires_at=1) == 3
    with pytest.raises(ClaimRejectedError) as exhausted:
        chunks.claim("j", 0, lease("req-c", now=NOW + 120_000), max_attempts=3, expires_at=1)
    assert exhausted.value.current["attempts"] == 3
    # The old holder is fenced off: it can no longer mark the chunk done.
    with pytest.raises(LeaseLostError):
        chunks.done("j", 0, lease("req-a"))
    chunks.done("j", 0, lease("req-c", now=NOW + 120_000))
    with pytest.raises(ClaimRejectedError) as finished:
        chunks.claim("j", 0, lease("req-d"), max_attempts=5, expires_at=1)
    assert finished.value.current["status"] == "DONE"


def test_a_failed_attempt_is_recorded_and_the_next_one_counted(table: Table) -> None:
    chunks = ChunkItems(table)
    holder = lease("req-a")
    chunks.claim("j", 1, holder, max_attempts=3, expires_at=1)
    assert chunks.retry("j", 1, holder, RuntimeError("ffmpeg said no")) == 2
    chunks.fail("j", 1, holder, "ffmpeg said no again")
    with pytest.raises(ClaimRejectedError) as refused:
        chunks.claim("j", 1, lease("req-b"), max_attempts=3, expires_at=1)
    assert (refused.value.current["status"], refused.value.current["last_error"]) == ("FAILED", "ffmpeg said no again")


def test_the_same_job_submitted_twice_at_once_is_started_once(table: Table) -> None:
    jobs = JobItems(table)
    started, refused = [], []
    barrier = threading.Barrier(8)

    def submit(n: int) -> None:
        barrier.wait()
        try:
            jobs.start("j", "input/j/a.mp4", lease(f"req-{n}"), max_attempts=3, expires_at=1)
            started.append(n)
        except ClaimRejectedError as error:
            refused.append(error.current["lease_owner"])

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(started) == 1 and len(refused) == 7
    assert set(refused) == {f"req-{started[0]}"}
    # A job id is bound to its input: another input under the same id is refused, the job untouched.
    with pytest.raises(ClaimRejectedError) as other:
        jobs.start("j", "input/j/b.mp4", lease("req-x", now=NOW + 10**9), max_attempts=3, expires_at=1)
    assert other.value.current["input_key"] == "input/j/a.mp4"


def test_every_chunk_is_counted_once_and_exactly_one_writer_sees_the_last(table: Table) -> None:
    jobs = JobItems(table)
    holder = lease("req-chunk")
    jobs.start("j", "input/j/a.mp4", holder, max_attempts=3, expires_at=1)
    jobs.advance("j", "validate", holder, "chunk", info={"frames": 1})
    jobs.claim("j", "chunk", holder, max_attempts=3)
    count = 6
    jobs.advance("j", "chunk", holder, "encode", chunk_count=count, pending=set(range(count)), chunks_done=0)
    totals, duplicates = [], []
    barrier = threading.Barrier(2 * count)

    def complete(index: int) -> None:  # every chunk reported twice at once, as a duplicate event would
        barrier.wait()
        try:
            totals.append(jobs.count_chunk_done("j", index))
        except ChunkAlreadyCountedError:
            duplicates.append(index)

    threads = [threading.Thread(target=complete, args=(i % count,)) for i in range(2 * count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(totals) == list(range(1, count + 1))
    assert sorted(duplicates) == list(range(count))
    job = jobs.get("j")
    assert job["chunks_done"] == count and "pending" not in job
    # Only now can assembly claim the job; a second claim by another request is refused.
    assembler = lease("req-assemble")
    assert jobs.claim_assembly("j", assembler, max_attempts=3)["stage"] == "assemble"
    with pytest.raises(ClaimRejectedError):
        jobs.claim_assembly("j", lease("req-other"), max_attempts=3)


def test_assembly_cannot_start_while_a_chunk_is_pending(table: Table) -> None:
    jobs = JobItems(table)
    holder = lease("req")
    jobs.start("j", "input/j/a.mp4", holder, max_attempts=3, expires_at=1)
    jobs.advance("j", "validate", holder, "chunk")
    jobs.claim("j", "chunk", holder, max_attempts=3)
    jobs.advance("j", "chunk", holder, "encode", chunk_count=2, pending={0, 1}, chunks_done=0)
    jobs.count_chunk_done("j", 0)
    with pytest.raises(ClaimRejectedError) as refused:
        jobs.claim_assembly("j", lease("req-assemble"), max_attempts=3)
    assert refused.value.current["pending"] == {1}
