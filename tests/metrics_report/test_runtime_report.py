"""The run-time section from a real run of both pipelines through compare.py: fields and their relations,
operation counts and state bytes against the counts worked out from each pipeline's design (README.md, section 'The baseline',
README.md, section 'The durable reference'), the cost of the measured mix by hand, and the sweep."""
from __future__ import annotations

import hashlib
import json
import math

import pytest
from aws_durable_execution_sdk_python.concurrency.models import (
    BatchItem,
    BatchItemStatus,
    BatchResult,
    CompletionReason,
)
from aws_durable_execution_sdk_python.serdes import EXTENDED_TYPES_SERDES

import media

from .conftest import CHUNK_SECONDS, CHUNKS, REPO, S3_PUT_OVERRIDE_USD, SWEEP_CHUNKS

N = CHUNKS
GB = 1024**3


def template_of(name: str) -> dict:
    """What the implementation's template says, decoded here on its own (not through the module under
    test): memory by handler module, durable retention by handler module, the TTL and the work/ rule."""
    from cfnlint.decode import decode

    raw, _ = decode(str(REPO / name / "template.yaml"))
    globals_ = raw.get("Globals", {}).get("Function", {})
    functions = {r["Properties"]["Handler"].split(".")[-2]: r["Properties"]
                 for r in raw["Resources"].values() if r["Type"] == "AWS::Serverless::Function"}
    variables = globals_.get("Environment", {}).get("Variables", {})
    ttl = variables.get("RETENTION_DAYS")
    rules = [rule for r in raw["Resources"].values() if r["Type"] == "AWS::S3::Bucket"
             for rule in r["Properties"].get("LifecycleConfiguration", {}).get("Rules", [])
             if rule.get("Prefix") == "work/" and rule["Status"] == "Enabled"]
    return {
        "memory_mb": {f: p.get("MemorySize", globals_.get("MemorySize")) for f, p in functions.items()},
        "durable_days": {f: p["DurableConfig"]["RetentionPeriodInDays"] for f, p in functions.items()
                         if "DurableConfig" in p},
        "state_days": raw["Parameters"][ttl["Ref"]]["Default"] if ttl else 14,
        "work_days": rules[0]["ExpirationInDays"] if rules else None,
    }


# -- fields and their relations --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["baseline", "durable_ref"])
def test_runtime_fields_are_present_and_consistent(runtime_run, name):
    rt = runtime_run.report["implementations"][name]["runtime"]
    assert rt["status"] == "SUCCEEDED" and rt["chunks"] == N
    assert set(rt["stage_latency_s"]) == {"validate", "chunk", "encode", "assemble"}
    assert all(v > 0 for v in rt["stage_latency_s"].values())
    # stages may overlap (the baseline's chunk stage is still handing out chunks as the first encodes run)
    assert max(rt["stage_latency_s"].values()) <= rt["e2e_latency_s"]
    assert len(rt["chunk_latency_s"]) == N and all(s > 0 for s in rt["chunk_latency_s"])
    summary = rt["chunk_latency_summary"]
    assert summary["max"] == max(rt["chunk_latency_s"]) and summary["n"] == N
    assert min(rt["chunk_latency_s"]) <= summary["median"] <= summary["p95"] <= summary["max"]
    for ops in (rt["storage_ops"], rt["workflow_storage_ops"]):
        by_operation = sum(n for service in ops["by_operation"].values() for n in service.values())
        assert ops["total"] == by_operation == sum(ops["by_service"].values())
    # the whole process holds the job; the monolithic ratio is the two timed beside each other
    mono = rt["monolithic"]
    assert rt["process_s"] == mono["process_s"] > rt["e2e_latency_s"] > 0
    assert mono["ratio"] == pytest.approx(mono["process_s"] / mono["seconds"])
    assert mono["met"] is (mono["ratio"] <= 1.25) and mono["goal"] == 1.25
    cost = rt["cost_usd"]
    assert cost["per_video_usd"] == pytest.approx(sum(i["usd"] for i in cost["breakdown"]))
    assert cost["per_1000_videos_usd"] == pytest.approx(1000 * cost["per_video_usd"])
    assert sum(cost["by_category_usd"].values()) == pytest.approx(cost["per_video_usd"])
    assert rt["repeat"]["runs"] == 1 and rt["runs"][0]["storage_ops_total"] == rt["workflow_storage_ops"]["total"]


def test_report_runtime_records_input_settings_and_prices(runtime_run, tiny_video):
    meta = runtime_run.report["runtime"]
    info = media.probe(tiny_video)
    assert meta["input"]["frames"] == info.frames == 60 and meta["input"]["synthetic"] is None
    assert meta["chunk_seconds"] == CHUNK_SECONDS and meta["repeat"] == 1
    for name in ("baseline", "durable_ref"):
        settings, template = meta["cost_settings"][name], template_of(name)
        assert settings["function_memory_mb"] == template["memory_mb"]
        assert settings["function_durable_retention_days"] == template["durable_days"]
        assert settings["state_retention_days"] == template["state_days"]
        assert settings["source"].endswith(f"{name}/template.yaml")
    override = meta["prices"]["prices"]["s3_put_request"]
    assert override["unit_usd"] == pytest.approx(S3_PUT_OVERRIDE_USD) and "override" in override["source"]
    assert meta["prices"]["prices"]["lambda_request"]["source"] == "https://aws.amazon.com/lambda/pricing/"
    assert "runtime" in runtime_run.report["sections"]


def test_timed_runs_start_warm(runtime_run):
    warm = runtime_run.report["runtime"]["warm_up"]
    # one unmeasured job per implementation, before the first timed run
    assert set(warm["jobs_s"]) == {"baseline", "durable_ref", "stepfunctions_ref"} and all(s > 0 for s in warm["jobs_s"].values())
    assert warm["compile_s"] >= 0 and warm["input"]["frames"] == 30
    err = runtime_run.stderr
    assert err.index("runtime: warmed up:") < err.index("runtime: baseline run: monolithic encode")


# -- operation counts worked out from the designs ----------------------------------------------------------

def test_baseline_operations_match_its_design(baseline_rt):
    # README.md, section 'The baseline': UpdateItem 2 (validate) + 2 (chunk) + 3 per chunk (claim, done, count) + 2 (assemble);
    # GetObject: validate, chunk, each chunk, each part, the source audio; PutObject: chunks, parts, output and
    # the client's upload of the input; one DeleteObjects of the work objects. The harness's set-up goes
    # through another Session, so the job's Session sees the job only.
    expected = {"dynamodb": {"UpdateItem": 6 + 3 * N},
                "s3": {"GetObject": 2 * N + 3, "PutObject": 2 * N + 2, "DeleteObjects": 1}}
    assert baseline_rt["storage_ops"]["by_operation"] == expected
    assert baseline_rt["workflow_storage_ops"]["by_operation"] == expected
    assert baseline_rt["storage_ops"]["total"] == 12 + 7 * N
    # every item stays under 1 KB: one write unit per UpdateItem, and no reads
    assert baseline_rt["storage_ops"]["dynamodb_request_units"]["write"] == 6 + 3 * N
    assert baseline_rt["storage_ops"]["dynamodb_request_units"]["read"] == 0
    # validate, chunk, one encode per chunk, assemble
    assert baseline_rt["lambda"]["invocations"] == N + 3
    assert baseline_rt["durable"] is None


def test_durable_operations_match_its_design(durable_rt):
    # README.md, section 'The durable reference': S3 only. GetObject: validate, chunk, each encoder's chunk, each part and the audio
    # in assemble; PutObject: the input, chunks, parts, output (a conditional PUT: no HeadObject first); the
    # clean-up's list + delete. The harness creates the bucket through a sibling Session,
    # as the baseline's does, so that set-up is counted on neither side.
    workflow = {"s3": {"GetObject": 2 * N + 3, "PutObject": 2 * N + 2, "ListObjectsV2": 1, "DeleteObjects": 1}}
    assert durable_rt["workflow_storage_ops"]["by_operation"] == workflow
    assert durable_rt["storage_ops"]["by_operation"] == workflow
    assert durable_rt["workflow_storage_ops"]["total"] == 4 * N + 7
    assert "dynamodb" not in durable_rt["storage_ops"]["by_service"]
    durable = durable_rt["durable"]
    # orchestrator: its EXECUTION, 3 steps (validate, chunk, assemble), the map's CONTEXT, one CHAINED_INVOKE
    # per chunk; each encoder: its EXECUTION and its step
    assert durable["orchestrator_operations"] == N + 5
    assert durable["operations"] == (N + 5) + 2 * N
    # Lambda: the orchestrator's invocations (the first and at least one after the map) and one per encoder
    assert durable_rt["lambda"]["invocations"] == durable["replays"] + 1 + N
    assert durable["replays"] >= 1
    assert durable["checkpoint_calls"] >= 2 * N  # each encoder checkpoints at least its step's result


# -- external state bytes worked out from the designs ------------------------------------------------------

def number_bytes(value) -> int:
    """AWS's size of a DynamoDB number: about one byte per two significant digits, plus one."""
    digits = str(value).replace("-", "").replace(".", "").strip("0") or "0"
    return math.ceil(len(digits) / 2) + 1


def attribute(name: str, value_bytes: int) -> int:
    return len(name) + value_bytes


def test_baseline_state_bytes_match_its_items(baseline_rt, tiny_video):
    job_id = baseline_rt["job_id"]
    timestamp = len("2026-11-30T03:36:17.096+00:00")
    info = media.probe(tiny_video)
    ten_digit_expiry = number_bytes(1798601776)  # submission + 30 days, in epoch seconds
    # A DONE chunk item: pk, sk, status, attempts, updated_at, expires_at (the lease is removed when done).
    chunk_item = (attribute("pk", len(f"JOB#{job_id}")) + attribute("sk", len("CHUNK#00000"))
                  + attribute("status", len("DONE")) + attribute("attempts", number_bytes(1))
                  + attribute("updated_at", timestamp) + attribute("expires_at", ten_digit_expiry))
    # The probe result, a map: 3 bytes, plus per entry its key, its value and 1.
    entries = {"container": len("mp4"), "video_codec": len("h264"), "width": number_bytes(info.width),
               "height": number_bytes(info.height), "fps": number_bytes(info.fps),
               "fps_fraction": len(info.fps_fraction), "duration_s": number_bytes(info.duration_s),
               "frames": number_bytes(info.frames), "has_audio": 1, "audio_codec": len("aac"),
               "size_bytes": number_bytes(info.size_bytes)}
    info_map = 3 + sum(len(key) + size + 1 for key, size in entries.items())
    job_item = (attribute("pk", len(f"JOB#{job_id}")) + attribute("sk", len("JOB"))
                + attribute("input_key", len(f"input/{job_id}/{tiny_video.name}"))
                + attribute("stage", len("assemble")) + attribute("status", len("SUCCEEDED"))
                + attribute("created_at", timestamp) + attribute("updated_at", timestamp)
                + attribute("expires_at", ten_digit_expiry) + attribute("attempts", number_bytes(1))
                # the input's ETag as validate read it (an MD5 in quotes), kept for the output's metadata
                + attribute("input_etag", len('"') * 2 + 32)
                + attribute("info", info_map) + attribute("chunk_count", number_bytes(N))
                + attribute("chunks_done", number_bytes(N))
                + attribute("output_key", len(f"output/{job_id}.mp4")) + attribute("output_frames", number_bytes(60)))
    end = baseline_rt["state_bytes"]["end"]
    assert end["dynamodb_items"] == N + 1
    expected = job_item + N * chunk_item
    # an expiry ending in 00 has 8 significant digits and takes a byte less, on every item (1 run in 100)
    assert end["dynamodb_item_bytes"] in (expected, expected - (N + 1))
    assert end["dynamodb_largest_item_bytes"] in (job_item, job_item - 1)
    assert end["dynamodb_storage_bytes"] == end["dynamodb_item_bytes"] + 100 * (N + 1)
    assert end["s3_workflow_state_objects"] == end["checkpointed_bytes"] == 0
    assert end["external_state_bytes"] == end["dynamodb_item_bytes"]
    # media left: the input and the output; the work objects are deleted
    assert end["s3_media_objects"] == 2 and end["s3_media_bytes"] > tiny_video.stat().st_size
    peak = baseline_rt["state_bytes"]["peak"]
    assert peak["dynamodb_item_bytes"] >= end["dynamodb_item_bytes"]
    assert 2 <= peak["s3_media_objects"] <= 2 * N + 2


def test_durable_checkpoint_bytes_match_its_step_results(durable_rt, tiny_video):
    job_id = durable_rt["job_id"]
    serialize = EXTENDED_TYPES_SERDES.serialize
    summary = media.probe(tiny_video).to_dict()
    del summary["keyframes"]  # validate checkpoints the video summary without the keyframe list
    summary["input_etag"] = f'"{hashlib.md5(tiny_video.read_bytes()).hexdigest()}"'  # a single PUT's ETag
    frames = [15] * N  # the chunk step's result: each chunk's frame count
    requests = [{"job_id": job_id, "index": i, "frames": 15} for i in range(N)]  # each invoke's input
    batch = BatchResult([BatchItem(i, BatchItemStatus.SUCCEEDED, None) for i in range(N)],
                        CompletionReason.ALL_COMPLETED)
    published = serialize({"output_key": f"output/{job_id}.mp4", "output_frames": 60})
    orchestrator = (len(serialize(summary)) + len(serialize(frames)) + len(serialize(batch)) + len(published)
                    + sum(len(json.dumps(r)) for r in requests))
    encoders = N * len(json.dumps(None))  # each encoder step's result: nothing
    end = durable_rt["state_bytes"]["end"]
    assert durable_rt["durable"]["checkpointed_bytes"] == end["checkpointed_bytes"] == orchestrator + encoders
    assert end["dynamodb_items"] == end["s3_workflow_state_objects"] == 0
    assert end["external_state_bytes"] == end["checkpointed_bytes"]
    assert durable_rt["state_bytes"]["peak"]["checkpointed_bytes"] == end["checkpointed_bytes"]
    # the 256 KB limit applies to step and invoke results: none grows by more than a few bytes a chunk
    assert durable_rt["durable"]["largest_checkpoint_bytes"] == max(
        len(serialize(summary)), len(serialize(frames)), len(published), *(len(json.dumps(r)) for r in requests))


# -- cost ---------------------------------------------------------------------------------------------------

def hand_cost(name: str, rt: dict) -> float:
    """Per video, from the measured counts and sizes, the template's memory sizes and retention periods,
    and the prices of FACTS.md (us-east-1)."""
    s3 = rt["workflow_storage_ops"]["by_operation"].get("s3", {})
    put_tier = sum(n for op, n in s3.items() if op in ("PutObject", "ListObjectsV2"))
    get_tier = sum(n for op, n in s3.items() if op in ("GetObject", "HeadObject"))
    assert put_tier + get_tier + s3.get("DeleteObjects", 0) == sum(s3.values())  # DELETE is free
    units = rt["workflow_storage_ops"]["dynamodb_request_units"]
    end = rt["state_bytes"]["end"]
    durable = rt["durable"] or {}
    template = template_of(name)
    gb_seconds = sum(f["billed_seconds"] * template["memory_mb"][function] / 1024
                     for function, f in rt["lambda"]["by_function"].items())
    retained_gb_months = sum(num_bytes / GB * template["durable_days"][function] * 24 / 730
                             for function, num_bytes in durable.get("checkpointed_bytes_by_function", {}).items())
    work_days = template["work_days"] or template["state_days"]
    return (rt["lambda"]["invocations"] * 0.20 / 1e6
            + gb_seconds * 0.0000166667
            + units["write"] * 0.625 / 1e6 + units["read"] * 0.125 / 1e6
            + end["dynamodb_storage_bytes"] / GB * template["state_days"] * 24 / 730 * 0.25
            + end["s3_workflow_state_bytes"] / GB * work_days * 24 / 730 * 0.023
            + put_tier * S3_PUT_OVERRIDE_USD + get_tier * 0.0004 / 1000
            + end["s3_media_bytes"] / GB * (30 * 24 / 730) * 0.023
            + durable.get("operations", 0) * 8.00 / 1e6
            + durable.get("checkpointed_bytes", 0) / GB * 0.25 + retained_gb_months * 0.15)


@pytest.mark.parametrize("name", ["baseline", "durable_ref"])
def test_cost_is_the_hand_computed_cost_of_the_measured_mix(runtime_run, name):
    rt = runtime_run.report["implementations"][name]["runtime"]
    assert rt["cost_usd"]["per_video_usd"] == pytest.approx(hand_cost(name, rt), rel=1e-9)
    items = {i["item"]: i for i in rt["cost_usd"]["breakdown"]}
    assert items["s3_put_requests"]["unit_usd"] == pytest.approx(S3_PUT_OVERRIDE_USD)
    assert rt["lambda"]["billed_seconds_basis"] == "measured"
    assert rt["lambda"]["billed_seconds"] == pytest.approx(sum(f["billed_seconds"]
                                                               for f in rt["lambda"]["by_function"].values()))
    # Step Functions reference: Validate, Chunk, the Map, Assemble, and one EncodeChunk per chunk
    assert rt["step_functions_reference_usd"]["transitions"] == N + 4


def test_every_invocation_is_timed_whole_on_both_sides(baseline_rt, durable_rt):
    base = baseline_rt["lambda"]["by_function"]
    assert {f: v["requests"] for f, v in base.items()} == {"validate": 1, "chunk": 1, "encode": N, "assemble": 1}
    durable = durable_rt["lambda"]["by_function"]
    # every orchestrator invocation (the first and each replay) and every encoder invocation
    assert durable["orchestrator"]["requests"] == durable_rt["durable"]["replays"] + 1
    assert durable["encoder"]["requests"] == N
    # a whole invocation holds its step bodies: encoders their encode, the orchestrator its three stages
    assert durable["encoder"]["billed_seconds"] >= sum(durable_rt["chunk_latency_s"])
    stages = durable_rt["stage_latency_s"]
    assert durable["orchestrator"]["billed_seconds"] >= stages["validate"] + stages["chunk"] + stages["assemble"]
    rows = {row["function"]: row for row in durable_rt["cost_usd"]["lambda_functions"]}
    assert rows["orchestrator"]["memory_mb"] == template_of("durable_ref")["memory_mb"]["orchestrator"]


def test_the_storage_quota_is_met_by_one_execution_not_the_sum(durable_rt):
    durable = durable_rt["durable"]
    by_function = durable["checkpointed_bytes_by_function"]
    assert sum(by_function.values()) == durable["checkpointed_bytes"]
    # the orchestrator's execution writes most; the job's sum over N + 1 executions is more than it
    assert durable["largest_execution_checkpointed_bytes"] == by_function["orchestrator"]
    assert durable["largest_execution_checkpointed_bytes"] < durable["checkpointed_bytes"]
    quotas = durable_rt["sweep"]["projection"]["quotas"]
    quota = next(q for q in quotas if q["name"] == "Durable execution storage written")
    assert quota["metric"] == "largest_execution_checkpointed_bytes"


def test_only_the_durable_design_pays_durable_operations_and_only_the_baseline_dynamodb(baseline_rt, durable_rt):
    def usd(rt, item):
        return next(i["usd"] for i in rt["cost_usd"]["breakdown"] if i["item"] == item)

    assert usd(baseline_rt, "dynamodb_writes") > 0 and usd(durable_rt, "dynamodb_writes") == 0
    assert usd(durable_rt, "durable_operations") == pytest.approx((3 * N + 5) * 8e-6)
    assert usd(baseline_rt, "durable_operations") == 0


# -- the sweep ------------------------------------------------------------------------------------------------

def test_sweep_fits_the_per_chunk_figures_of_the_designs(baseline_rt, durable_rt, runtime_run):
    assert runtime_run.report["runtime"]["sweep"]["chunk_counts"] == list(SWEEP_CHUNKS)
    for rt in (baseline_rt, durable_rt):
        assert [p["chunks"] for p in rt["sweep"]["points"]] == list(SWEEP_CHUNKS)
        assert all(p["status"] == "SUCCEEDED" for p in rt["sweep"]["points"])
    base, durable = baseline_rt["sweep"]["fits"], durable_rt["sweep"]["fits"]
    # baseline: 12 + 7 per chunk (3 UpdateItem, 2 GetObject, 2 PutObject); durable: 7 + 4 per chunk
    assert (base["storage_ops_total"]["per_chunk"], base["storage_ops_total"]["fixed"]) == pytest.approx((7, 12))
    assert (base["dynamodb_ops"]["per_chunk"], base["dynamodb_write_units"]["per_chunk"]) == pytest.approx((3, 3))
    assert (durable["storage_ops_total"]["per_chunk"], durable["storage_ops_total"]["fixed"]) == pytest.approx((4, 7))
    assert (durable["durable_operations"]["per_chunk"], durable["durable_operations"]["fixed"]) == pytest.approx((3, 5))
    assert (durable["orchestrator_operations"]["per_chunk"], durable["orchestrator_operations"]["fixed"]) == \
        pytest.approx((1, 5))
    assert "durable_operations" not in base and "dynamodb_ops" in durable  # zero for the durable design


def test_projection_is_marked_and_lists_each_designs_quotas(baseline_rt, durable_rt):
    for rt in (baseline_rt, durable_rt):
        projection = rt["sweep"]["projection"]
        assert projection["projection"] is True and projection["target"]["chunks"] == 3552
    base_quotas = {q["name"]: q for q in baseline_rt["sweep"]["projection"]["quotas"]}
    durable_quotas = {q["name"]: q for q in durable_rt["sweep"]["projection"]["quotas"]}
    assert set(base_quotas) == {"DynamoDB item size", "Lambda concurrent executions (default)"}
    assert set(durable_quotas) == {"Durable checkpoint payload", "Durable operations per execution",
                                   "Durable execution storage written", "Lambda concurrent executions (default)"}
    # the orchestrator's own operations, 5 + 1 per chunk, pass 3,000 at 2,995 chunks
    per_execution = durable_quotas["Durable operations per execution"]
    assert per_execution["metric"] == "orchestrator_operations"
    assert per_execution["projected"] == pytest.approx(3552 + 5)
    assert per_execution["exceeded"] is True and per_execution["chunks_at_limit"] == pytest.approx(2995)
    assert base_quotas["DynamoDB item size"]["exceeded"] is False
    assert base_quotas["Lambda concurrent executions (default)"]["projected"] == 3552


# -- what compare.py printed -------------------------------------------------------------------------------

def test_progress_and_summary_on_the_terminal(runtime_run):
    err = runtime_run.stderr
    assert f"baseline: chunks done {N}/{N}" in err and f"encode {N}/{N}" in err  # chunks n/N, both sides
    assert "runtime: baseline run: monolithic encode" in err and "runtime: durable_ref run: monolithic encode" in err
    assert "runtime: sweep point 6/6: stepfunctions_ref, 4 chunks of 0.5 s" in err
    assert "Traceback" not in err
    table = runtime_run.stdout
    assert "end-to-end latency s" in table and "process/monolithic" in table
    ops_line = next(line for line in table.splitlines() if line.startswith("storage ops"))
    assert ops_line.split()[-3:] == [str(12 + 7 * N), str(4 * N + 7), str(4 * N + 7)]
    assert "What are the cost implications of external state storage?" in table
    assert "Which approach better supports scalable serverless workflows?" in table
