"""What must hold after each run, read from the store the workers wrote to (moto's server).

A job that should succeed: SUCCEEDED, exactly one output object, decoding to the same frames (framemd5)
as the fault-free run, nothing left under ``work/{job}/``. A job that should fail: FAILED with the
expected kind (and reason), no output object, nothing left under ``work/``. Both pipelines' documented
clean-up policy deletes a job's work objects when it succeeds and when it fails, so any left over is an
orphan. Writing the output more than once (the same key written again, which S3 event consumers see as
two ObjectCreated events) is reported as a duplicate output, apart from survival.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import media


@dataclass(frozen=True)
class Expectation:
    status: str  # "SUCCEEDED" or "FAILED"
    #: framemd5 lines of the fault-free output (for SUCCEEDED).
    frames: tuple[str, ...] | None = None
    error_kind: str | None = None
    #: A piece of text the failure reason must contain.
    error_text: str | None = None


@dataclass
class Verdict:
    ok: bool
    violations: list[str] = field(default_factory=list)
    output_objects: int = 0
    output_writes: int = 0
    work_objects: int = 0
    frames_match: bool | None = None

    @property
    def duplicate_output(self) -> bool:
        return self.output_objects > 1 or self.output_writes > 1

    def as_dict(self) -> dict:
        return {
            "ok": self.ok, "violations": self.violations, "output_objects": self.output_objects,
            "output_writes": self.output_writes, "work_objects": self.work_objects, "frames_match": self.frames_match,
            "duplicate_output": self.duplicate_output,
        }


class StoreView:
    """The bucket as the harness sees it, through a client no worker shares."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket

    def keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        return keys

    def output_keys(self, job_id: str) -> list[str]:
        return [key for key in self.keys(f"output/{job_id}") if key.startswith(f"output/{job_id}.")]

    def work_keys(self, job_id: str) -> list[str]:
        return self.keys(f"work/{job_id}/")

    def frames(self, key: str) -> tuple[str, ...]:
        with tempfile.TemporaryDirectory() as tmp:
            local = Path(tmp) / "output.mp4"
            self.s3.download_file(self.bucket, key, str(local))
            return tuple(media.framemd5(local))


def check_run(result: dict, expect: Expectation, view: StoreView, job_id: str, output_writes: int) -> Verdict:
    violations: list[str] = []
    outputs = view.output_keys(job_id)
    work = view.work_keys(job_id)
    verdict = Verdict(ok=False, output_objects=len(outputs), output_writes=output_writes, work_objects=len(work))
    if result["status"] != expect.status:
        violations.append(f"ended {result['status']} ({result.get('error_kind')}: {result.get('error')}), "
                          f"expected {expect.status}")
    if expect.status == "SUCCEEDED":
        if len(outputs) != 1:
            violations.append(f"{len(outputs)} output objects, expected 1")
        elif expect.frames is not None:
            verdict.frames_match = view.frames(outputs[0]) == expect.frames
            if not verdict.frames_match:
                violations.append("output frames differ from the fault-free run")
    else:
        if outputs:
            violations.append(f"{len(outputs)} output object(s) published by a failed job")
        if expect.error_kind is not None and result.get("error_kind") != expect.error_kind:
            violations.append(f"error kind {result.get('error_kind')!r}, expected {expect.error_kind!r}")
        if expect.error_text is not None and expect.error_text not in (result.get("error") or ""):
            violations.append(f"reason {result.get('error')!r} lacks {expect.error_text!r}")
    if work:
        violations.append(f"{len(work)} orphan work object(s) left")
    verdict.violations = violations
    verdict.ok = not violations
    return verdict
