"""measure_run and runtime_figures on a stand-in run_local whose calls and state are known by hand."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from media import layout
from metrics.runtime import CostSettings, fit_sweep, load_prices, project
from metrics.runtime.measure import SWEEP_METRICS, measure_run, repeat_summary, runtime_figures, sweep_point

BUCKET = "measure-media"
TABLE = "measure-jobs"
JOB = "job1"


def fake_run_local(video: Path, *, settings, session, endpoint_url, durable: bool = False, chunks: int = 2) -> dict:
    """A job shaped like the pipelines': set-up, input, a job item, chunks that come and go, an output."""
    s3 = session.client("s3", endpoint_url=endpoint_url)
    ddb = session.client("dynamodb", endpoint_url=endpoint_url)
    s3.create_bucket(Bucket=BUCKET)
    ddb.create_table(TableName=TABLE, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    s3.put_object(Bucket=BUCKET, Key=layout.input_key(JOB, "in.mp4"), Body=Path(video).read_bytes())
    if not durable:
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": "JOB#job1"}, "status": {"S": "RUNNING"}})
    for i in range(chunks):
        s3.put_object(Bucket=BUCKET, Key=layout.chunk_key(JOB, i), Body=b"c" * 300)
    time.sleep(0.2)  # long enough for the sampler (every 0.05 s) to see every chunk
    for i in range(chunks):
        s3.delete_object(Bucket=BUCKET, Key=layout.chunk_key(JOB, i))
    s3.put_object(Bucket=BUCKET, Key=layout.output_key(JOB), Body=b"o" * 800)
    if not durable:
        ddb.update_item(TableName=TABLE, Key={"pk": {"S": "JOB#job1"}}, UpdateExpression="SET #s = :s",
                        ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": {"S": "DONE"}})
    result = {
        "status": "SUCCEEDED", "chunks": chunks, "duration_s": 0.2 + 0.01 * chunks,
        "stage_latency_s": {"validate": 0.1, "chunk": 0.2, "encode": 1.0, "assemble": 0.3},
        "chunk_latency_s": [0.5, 0.7][:chunks] + [0.6] * max(0, chunks - 2),
    }
    if durable:
        result.update(invocations=3, encoder_invocations=chunks, operations=5 + 3 * chunks,
                      checkpoint_payload_bytes=400 + 100 * chunks, checkpoint_calls=12, replays=2,
                      largest_checkpoint_bytes=60 + 40 * chunks)
    else:
        result["invocations"] = {"validate": 1, "chunk": 1, "encode": chunks, "assemble": 1}
    return result


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("measure") / "in.mp4"
    path.write_bytes(b"v" * 1000)
    return path


@pytest.fixture(scope="module")
def prices():
    return load_prices()


def test_explicit_state_run(video: Path, prices) -> None:
    measured = measure_run(fake_run_local, video, bucket=BUCKET, table=TABLE, sample_interval_s=0.05)
    assert measured["result"]["status"] == "SUCCEEDED" and not measured["sampler_errors"]
    runtime = runtime_figures(measured, prices, CostSettings(memory_mb=1024))
    assert runtime["storage_ops"]["by_operation"] == {
        "dynamodb": {"CreateTable": 1, "PutItem": 1, "UpdateItem": 1},
        "s3": {"CreateBucket": 1, "PutObject": 4, "DeleteObject": 2},
    }
    assert runtime["storage_ops"]["total"] == 10 and runtime["workflow_storage_ops"]["total"] == 8
    peak, end = runtime["state_bytes"]["peak"], runtime["state_bytes"]["end"]
    assert peak["s3_media_objects"] == 3 and peak["s3_media_bytes"] == 1800  # input + 2 chunks; input + output
    assert (end["s3_media_objects"], end["s3_media_bytes"]) == (2, 1800)
    # job item: pk 2 + 8, status 6 + 4 ("DONE") = 20 bytes at the end
    assert (end["dynamodb_items"], end["dynamodb_item_bytes"], end["external_state_bytes"]) == (1, 20, 20)
    assert runtime["lambda"] == {"invocations": 5, "billed_seconds": pytest.approx(1.8),
                                 "billed_seconds_basis": "estimated", "by_function": None}
    assert runtime["durable"] is None
    items = {i["item"]: i for i in runtime["cost_usd"]["breakdown"]}
    assert items["lambda_requests"]["usd"] == pytest.approx(5 * 0.2e-6)
    assert items["lambda_compute"]["usd"] == pytest.approx(1.8 * 0.0000166667)  # 1.8 s at 1 GB
    assert items["dynamodb_writes"]["quantity"] == 2 and items["s3_put_requests"]["quantity"] == 4
    assert items["s3_get_requests"]["quantity"] == 0  # DeleteObject is free
    assert runtime["step_functions_reference_usd"]["transitions"] == 6
    assert runtime["chunk_latency_summary"]["max"] == 0.7


def test_durable_run_adds_checkpoints_and_durable_operations(video: Path, prices) -> None:
    measured = measure_run(fake_run_local, video, bucket=BUCKET, table=TABLE, sample_interval_s=0.05, durable=True)
    runtime = runtime_figures(measured, prices)
    assert runtime["durable"] == {"operations": 11, "checkpointed_bytes": 600, "checkpoint_calls": 12, "replays": 2,
                                  "largest_checkpoint_bytes": 140, "largest_execution_checkpointed_bytes": None}
    assert runtime["state_bytes"]["end"]["checkpointed_bytes"] == 600
    assert runtime["state_bytes"]["peak"]["external_state_bytes"] == 600
    assert runtime["lambda"]["invocations"] == 3 + 2
    items = {i["item"]: i for i in runtime["cost_usd"]["breakdown"]}
    assert items["durable_operations"]["usd"] == pytest.approx(11 * 8e-6)
    assert items["dynamodb_writes"]["quantity"] == 0


def test_sweep_points_fit_and_repeat_summary(video: Path, prices) -> None:
    runtimes = [
        runtime_figures(measure_run(fake_run_local, video, bucket=BUCKET, table=TABLE, sample_interval_s=0.05,
                                    durable=True, chunks=n), prices)
        for n in (2, 4)
    ]
    points = [sweep_point(r) for r in runtimes]
    assert [p["chunks"] for p in points] == [2, 4]
    # per chunk: one chunk PUT and one DELETE, 3 durable operations, 100 checkpointed bytes
    fits = fit_sweep(points, SWEEP_METRICS)
    assert fits["storage_ops_total"].per_chunk == pytest.approx(2.0)
    assert fits["durable_operations"].per_chunk == pytest.approx(3.0)
    assert fits["durable_operations"].fixed == pytest.approx(5.0)
    assert fits["checkpointed_bytes"].per_chunk == pytest.approx(100.0)
    projected = project(fits)
    checkpoint = next(q for q in projected["quotas"] if q["metric"] == "largest_checkpoint_bytes")
    # 60 + 40 x 3,552 = 142,140 bytes: under the 262,144-byte checkpoint limit, reached at 6,552 chunks
    assert checkpoint["projected"] == pytest.approx(142140) and checkpoint["exceeded"] is False
    assert checkpoint["chunks_at_limit"] == pytest.approx((262144 - 60) / 40)
    operations = next(q for q in projected["quotas"] if q["metric"] == "durable_operations")
    assert operations["projected"] == pytest.approx(5 + 3 * 3552) and operations["exceeded"] is True
    summary = repeat_summary(runtimes)
    assert summary["runs"] == 2 and summary["storage_ops_total"]["n"] == 2
    assert summary["stage_latency_s"]["assemble"]["median"] == pytest.approx(0.3)


def test_whole_invocations_are_billed_function_by_function(video: Path, prices) -> None:
    def timed_run_local(video: Path, **kwargs) -> dict:
        result = fake_run_local(video, durable=True, **kwargs)
        # Three orchestrator invocations (the first and two replays) and two encoder invocations, timed whole,
        # and the checkpoint bytes of each execution (the orchestrator's and one per chunk's encoder).
        result["invocation_seconds"] = {"orchestrator": [0.3, 0.0004, 0.2], "encoder": [1.0, 1.5]}
        # the encoders' steps waited 0.5 s in all for one of the machine's cores: not billed
        result["invocation_core_wait_s"] = {"encoder": 0.5}
        result["execution_functions"] = {"o": "orchestrator", "e1": "encoder", "e2": "encoder"}
        result["checkpoint_payload_bytes_by_execution"] = {"o": 400, "e1": 100, "e2": 100}
        return result

    measured = measure_run(timed_run_local, video, bucket=BUCKET, table=TABLE, sample_interval_s=0.05)
    settings = CostSettings(function_memory_mb={"orchestrator": 2048, "encoder": 1024},
                            function_durable_retention_days={"orchestrator": 14, "encoder": 7})
    runtime = runtime_figures(measured, prices, settings)
    # Each invocation rounds up to a millisecond: 0.3 + 0.001 + 0.2, and 1.0 + 1.5 less the 0.5 s waited.
    assert runtime["lambda"]["billed_seconds_basis"] == "measured"
    assert runtime["lambda"]["by_function"] == {
        "encoder": {"requests": 2, "billed_seconds": pytest.approx(2.0)},
        "orchestrator": {"requests": 3, "billed_seconds": pytest.approx(0.501)},
    }
    assert runtime["lambda"]["invocations"] == 5 and runtime["lambda"]["billed_seconds"] == pytest.approx(2.501)
    compute = next(i for i in runtime["cost_usd"]["breakdown"] if i["item"] == "lambda_compute")
    assert compute["quantity"] == pytest.approx(0.501 * 2 + 2.0 * 1)
    assert runtime["durable"]["largest_execution_checkpointed_bytes"] == 400
    assert runtime["durable"]["checkpointed_bytes_by_function"] == {"encoder": 200, "orchestrator": 400}
    retained = next(i for i in runtime["cost_usd"]["breakdown"] if i["item"] == "durable_data_retained")
    assert retained["quantity"] == pytest.approx((400 * 14 + 200 * 7) / 2**30 * 24 / 730)
    assert sweep_point(runtime)["largest_execution_checkpointed_bytes"] == 400
