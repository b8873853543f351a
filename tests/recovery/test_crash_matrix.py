"""The crash-point matrix on both pipelines: a worker process killed (os._exit) before and after every
storage operation of every handler, and inside every durable operation, one point per run, exhaustively;
every run must end SUCCEEDED with the fault-free frames, one output object and nothing left in work/.
Split by handler (and by the orchestrator's steps) so that each test stays short."""
from __future__ import annotations

import pytest

from metrics.recovery import RecoveryMatrix

PARALLEL = 2

# Storage operations and invokes of one invocation of each baseline handler on a 4-chunk job
# (README.md, section 'The baseline'): validate claims, reads the input, advances, invokes chunk; chunk claims, reads,
# uploads 4 chunks, advances, invokes 4 encodes; encode claims, reads, uploads, marks done, counts (the last
# one invokes assemble); assemble claims, reads 4 parts and the audio source, publishes, succeeds, cleans up.
BASELINE_OPERATIONS = {"validate": 4, "chunk": 11, "encode": 6, "assemble": 9}

DURABLE_GROUPS = {
    "orchestrator: validate and chunk steps": lambda p: p.function == "orchestrator" and (
        p.scope in ("validate", "chunk") or (p.update or "").split(":")[0] in ("validate", "chunk")),
    "orchestrator: encode map": lambda p: p.function == "orchestrator" and (p.update or "").startswith("encode"),
    "orchestrator: assemble step": lambda p: p.function == "orchestrator" and (
        p.scope == "assemble" or (p.update or "").startswith("assemble")),
    "encoder": lambda p: p.function == "encoder",
}


def test_baseline_points_are_every_operation_before_and_after(baseline_matrix: RecoveryMatrix) -> None:
    points = baseline_matrix.points
    for stage, operations in BASELINE_OPERATIONS.items():
        mine = [p for p in points if p.function == stage]
        assert sorted({p.step for p in mine}) == list(range(operations)), stage
        assert len(mine) == 2 * operations and {p.when for p in mine} == {"before", "after"}
    assert len(points) == 2 * sum(BASELINE_OPERATIONS.values())


def test_durable_points_are_every_s3_call_and_checkpointed_update(durable_matrix: RecoveryMatrix) -> None:
    points = durable_matrix.points
    updates = {p.update for p in points if p.update is not None}
    chunks = durable_matrix.reference.chunks
    for step in ("validate", "chunk", "assemble"):
        assert {f"{step}:START", f"{step}:SUCCEED"} <= updates
    assert {f"encode-{i}:START" for i in range(chunks)} <= updates  # one chained invoke per chunk
    assert {"encode:START", "encode:SUCCEED"} <= updates  # the map, and the encoder's step
    s3_steps = {(p.function, p.scope) for p in points if p.update is None}
    assert s3_steps == {("orchestrator", "validate"), ("orchestrator", "chunk"), ("orchestrator", "assemble"),
                        ("encoder", "encode")}
    # chunk: 1 read + one upload per chunk; assemble: 4 parts + audio, publish (a conditional PUT), list, delete
    assert len([p for p in points if p.scope == "chunk"]) == 2 * (1 + chunks)
    assert len([p for p in points if p.scope == "assemble"]) == 2 * (chunks + 1 + 3)


def _assert_all_survived(rows: list[dict]) -> None:
    assert rows
    for row in rows:
        assert row["fired"], f"{row['id']}: not reached"
        assert row["survived"], f"{row['id']}: {row['violations']}"
        assert row["crashed_invocations"] == 1, row
        assert row["output_objects"] == 1 and row["frames_match"] and row["work_objects"] == 0, row
        assert row["output_writes"] == 1, row


@pytest.mark.parametrize("stage", list(BASELINE_OPERATIONS))
def test_baseline_survives_a_crash_at_every_point(baseline_matrix: RecoveryMatrix, stage: str) -> None:
    points = [p for p in baseline_matrix.points if p.function == stage]
    rows = baseline_matrix.crashes(points, parallel=PARALLEL)
    _assert_all_survived(rows)
    # Lambda's retry of the dead invocation is at least one more invocation.
    assert all(row["invocations"] > baseline_matrix.reference.invocations - 1 for row in rows)
    if stage == "encode":
        by_id = {row["id"]: row for row in rows}
        # Part uploaded but the chunk not marked DONE: the retry encodes that chunk again.
        assert by_id["encode/encode#2:after"]["chunks_reencoded"] == 1
        # Marked DONE: the retry only counts it.
        assert by_id["encode/encode#3:after"]["chunks_reencoded"] == 0


@pytest.mark.parametrize("group", list(DURABLE_GROUPS))
def test_durable_survives_a_crash_at_every_point(durable_matrix: RecoveryMatrix, group: str) -> None:
    points = [p for p in durable_matrix.points if DURABLE_GROUPS[group](p)]
    rows = durable_matrix.crashes(points, parallel=PARALLEL)
    _assert_all_survived(rows)
    if group == "encoder":
        by_id = {row["id"]: row for row in rows}
        # Died before the step's result was checkpointed: the replay runs the step (and the encode) again.
        assert by_id["encoder/checkpoint[encode:SUCCEED]:before"]["chunks_reencoded"] == 1
        # Died after it: the replay returns the checkpointed result without encoding.
        assert by_id["encoder/checkpoint[encode:SUCCEED]:after"]["chunks_reencoded"] == 0


def test_every_durable_point_is_in_one_test_group(durable_matrix: RecoveryMatrix) -> None:
    for point in durable_matrix.points:
        assert sum(match(point) for match in DURABLE_GROUPS.values()) == 1, point.id
