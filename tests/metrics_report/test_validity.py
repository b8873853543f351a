"""The threats-to-validity section as data: every category seeded, every threat with a known direction, and
evidence quoted from the run's own figures when the run has them."""
from __future__ import annotations

import pytest

from metrics.report.validity import CATEGORIES, FAVOURS, THREATS, Threat, validity_section


def _runtime(dynamodb: int, checkpoints: int | None, by_function: dict, stages: dict) -> dict:
    return {"workflow_storage_ops": {"by_service": {"dynamodb": dynamodb}},
            "durable": {"checkpoint_calls": checkpoints} if checkpoints is not None else None,
            "lambda": {"by_function": by_function}, "stage_latency_s": stages}


def test_every_category_is_seeded_and_every_threat_has_a_direction():
    section = validity_section({})
    assert [c["id"] for c in section["categories"]] == list(CATEGORIES)
    assert all(c["threats"] for c in section["categories"])
    rows = [t for c in section["categories"] for t in c["threats"]]
    assert len(rows) == section["threats"] == len(THREATS) == len({t["id"] for t in rows})
    assert sum(section["counts_by_favours"].values()) == len(rows)
    assert all(t["favours"] in FAVOURS and t["direction"] and t["affects"] for t in rows)
    # without run-time figures there is nothing to quote
    assert all(t["evidence"] is None for t in rows)


def test_evidence_is_read_from_the_run():
    report = {
        "runtime": {"machine": {"cpu_count": 2, "load_average_before": [1.5, 1, 1]},
                    "cost_settings": {"baseline": {"state_retention_days": 30},
                                      "durable_ref": {"function_durable_retention_days": {"encoder": 7,
                                                                                          "orchestrator": 14},
                                                      "durable_retention_days": 14}}},
        "implementations": {
            "baseline": {"runtime": _runtime(25, None, {"validate": {"requests": 1, "billed_seconds": 0.4},
                                                        "encode": {"requests": 4, "billed_seconds": 2.0}}, {})},
            "durable_ref": {"runtime": _runtime(0, 17, {"orchestrator": {"requests": 3, "billed_seconds": 1.25},
                                                        "encoder": {"requests": 4, "billed_seconds": 2.5}},
                                                {"validate": 0.1, "chunk": 0.2, "assemble": 0.3})},
        },
    }
    rows = {t["id"]: t for c in validity_section(report)["categories"] for t in c["threats"]}
    assert rows["two-cores"]["evidence"] == "this run: 2 cores, load average 1.50 before the runs"
    assert rows["moto-latency"]["evidence"] == "this run: baseline 25 DynamoDB calls; durable_ref 17 checkpoint calls"
    assert rows["local-runner"]["evidence"] == ("this run: the orchestrator's 3 invocations were billed 1.25 s, "
                                                "its validate, chunk and assemble steps took 0.60 s")
    assert rows["no-cold-start"]["evidence"] == "this run: baseline 5 invocations, durable_ref 7 invocations"
    assert rows["retention-periods"]["evidence"] == \
        "priced: baseline items 30 days; durable histories encoder 7, orchestrator 14 days"


def test_a_threat_needs_a_known_category_and_direction():
    with pytest.raises(ValueError, match="unknown category"):
        Threat("x", "vibes", "t", "d", ("f",), "neither", "why")
    with pytest.raises(ValueError, match="unknown direction"):
        Threat("x", "heuristic", "t", "d", ("f",), "both", "why")
