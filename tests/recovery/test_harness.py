"""The crash model itself (a worker process that really dies, retried as AWS retries it), the crash
points, and the whole ``run_recovery`` API with its report partials."""
from __future__ import annotations

from collections import Counter

from metrics.recovery import CrashOnce, CrashPoint, RecoveryMatrix, run_recovery, sample_points
from metrics.recovery.injectors import CRASH_EXIT_CODE
from metrics.recovery.subjects import Faults


def test_baseline_crash_ends_the_worker_process_and_lambda_retries_with_the_same_request_id(
    baseline_matrix: RecoveryMatrix,
) -> None:
    crash = CrashOnce(CrashPoint("chunk", "chunk", 2, "s3.PutObject", "after"))
    with baseline_matrix.open(Faults(site_hook=crash)) as harness:
        outcome = harness.run(baseline_matrix.video, baseline_matrix.job_id("model"))
    chunk = [r for r in outcome.invocations if r.function == "chunk"]
    assert [(r.attempt, r.outcome, r.exit_code) for r in chunk] == [(1, "crashed", CRASH_EXIT_CODE), (2, "returned", 0)]
    assert chunk[0].request_id == chunk[1].request_id
    # The dead worker died among its (parallel) chunk uploads, before advancing the job; the retry redid the
    # split and every upload.
    assert chunk[0].operations[:2] == ["dynamodb.UpdateItem", "s3.GetObject"]
    assert set(chunk[0].operations[2:]) == {"s3.PutObject"} and len(chunk[0].operations) <= 2 + 4
    assert Counter(chunk[1].operations)["s3.PutObject"] == baseline_matrix.reference.chunks
    assert outcome.result["status"] == "SUCCEEDED" and crash.fired_at.startswith("s3.PutObject after")


def test_durable_crash_ends_the_worker_process_and_the_runner_replays(durable_matrix: RecoveryMatrix) -> None:
    crash = CrashOnce(CrashPoint("orchestrator", "checkpoint", None, "checkpoint.Checkpoint", "before",
                                 update="chunk:SUCCEED"))
    with durable_matrix.open(Faults(site_hook=crash)) as harness:
        outcome = harness.run(durable_matrix.video, durable_matrix.job_id("model"))
    orchestrator = [r for r in outcome.invocations if r.function == "orchestrator"]
    assert (orchestrator[0].outcome, orchestrator[0].exit_code) == ("crashed", CRASH_EXIT_CODE)
    assert all(r.outcome == "returned" for r in orchestrator[1:]) and orchestrator[1].attempt == 2
    # The chunk step's result never reached the service: the replay ran the step again, the validate
    # step's checkpointed result was used as it was.
    assert outcome.workers["work"]["chunk"] == 2 and outcome.workers["work"]["validate"] == 1
    assert outcome.result["status"] == "SUCCEEDED"


def test_points_match_their_sites_only() -> None:
    from baseline.local.processes import Site as BaselineSite
    from durable_ref.local.processes import Site as DurableSite

    point = CrashPoint("encode", "encode", 2, "s3.PutObject", "after")
    assert point.matches(BaselineSite("encode", "r", 1, 2, "s3.PutObject", "after", chunk=3))
    assert not point.matches(BaselineSite("encode", "r", 1, 2, "s3.PutObject", "before"))
    assert not point.matches(BaselineSite("chunk", "r", 1, 2, "s3.PutObject", "after"))
    update = CrashPoint("orchestrator", "checkpoint", None, "checkpoint.Checkpoint", "before", update="chunk:SUCCEED")
    batch = DurableSite("orchestrator", "r", 1, "checkpoint", 4, "checkpoint.Checkpoint", "before",
                        details=("validate:SUCCEED", "chunk:SUCCEED"))
    assert update.matches(batch)
    assert not update.matches(DurableSite("orchestrator", "r", 1, "checkpoint", 4, "checkpoint.Checkpoint",
                                          "before", details=("chunk:START",)))


def test_a_sample_spreads_over_the_job_before_and_after_in_turn(baseline_matrix: RecoveryMatrix) -> None:
    points = baseline_matrix.points
    sample = sample_points(points, 6)
    assert len(sample) == 6 and len(set(sample)) == 6 and set(sample) <= set(points)
    assert [p.when for p in sample] == ["before", "after"] * 3
    assert {p.function for p in sample} == {"validate", "chunk", "encode", "assemble"}
    assert sample_points(points, len(points)) == points


def test_run_recovery_gives_each_pipeline_its_recovery_section_and_renders(recovery_endpoint, recovery_dir) -> None:
    from metrics.report.render import _environment

    seen = []
    report = run_recovery(
        ("baseline", "durable_ref"), mode="sample", sample_size=1, sections=("crash", "poison"),
        endpoint_url=recovery_endpoint, work_dir=recovery_dir, progress=seen.append,
    )
    for name in ("baseline", "durable_ref"):
        recovery = report["implementations"][name]["recovery"]
        assert recovery["crash_points"] == 1 and len(recovery["rows"]) == 1
        assert recovery["survived"] == 1 and recovery["lost_outputs"] == recovery["duplicate_outputs"] == 0
        assert recovery["points_enumerated"] > 40 and recovery["poison"]["passed"] == 1
        assert {"chunks_reencoded", "steps_reexecuted", "extra_storage_ops", "extra_invocations",
                "recovery_s"} <= set(recovery["rows"][0])
    assert "out_of_order" not in report["implementations"]["baseline"]["recovery"]
    assert sum(p.section == "crash" for p in seen) == 2 and str(seen[-1]).startswith("recovery durable_ref")
    html = _environment(html=True).get_template("partials/recovery.html.j2").render(report=report)
    assert 'id="recovery-matrix-baseline"' in html and 'id="recovery-matrix-durable_ref"' in html
    assert html.count("survived <strong>1 of 1</strong>") == 2 and "poison chunk tried 3 times" in html
    markdown = _environment(html=False).get_template("partials/recovery.md.j2").render(report=report)
    assert "| crash points tried | 1 | 1 |" in markdown


def test_a_timed_out_invocation_is_ended_and_retried(baseline_matrix: RecoveryMatrix) -> None:
    from metrics.recovery import HangOnce

    hang = HangOnce(CrashPoint("encode", "encode", 2, "s3.PutObject", "after"))
    job_id = baseline_matrix.job_id("timeout")
    with baseline_matrix.subject.open(baseline_matrix.endpoint_url, baseline_matrix.settings, Faults(site_hook=hang),
                                      cpu=baseline_matrix.cpu, timeout_s=2.0) as harness:
        outcome = harness.run(baseline_matrix.video, job_id)
    stuck = [r for r in outcome.invocations if r.outcome == "died"]
    assert hang.fired and len(stuck) == 1 and stuck[0].function == "encode"
    assert stuck[0].ended - stuck[0].started >= 2.0
    retry = [r for r in outcome.invocations if r.request_id == stuck[0].request_id and r is not stuck[0]]
    assert [r.outcome for r in retry] == ["returned"] and retry[0].attempt == 2
    assert outcome.result["status"] == "SUCCEEDED" and outcome.workers["encodes"][stuck[0].chunk] == 2


def test_cores_a_dead_durable_worker_held_are_given_back() -> None:
    # The parent takes each core for a worker and gives back whatever the worker still held when it ended,
    # so a worker killed mid-encode (by a crash in its checkpoint thread, or its timeout) cannot starve
    # every later encode of the run.
    from durable_ref.local.processes import _CoresHeld
    from local_aws.workers import FORK

    cpu = FORK.BoundedSemaphore(2)
    worker = _CoresHeld(cpu)
    worker.acquire()
    worker.acquire()
    assert not cpu.acquire(block=False)  # both cores are out
    worker.release_all()  # the worker's pipe closed without its release calls
    assert cpu.acquire(block=False) and cpu.acquire(block=False)
    worker.release_all()  # nothing more is given back than was taken
    cpu.release()
    cpu.release()
