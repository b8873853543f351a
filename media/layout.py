"""The S3 key layout both pipelines use, and the rules for job ids and input keys.

    input/{job_id}/{name}              the uploaded source video
    work/{job_id}/chunks/{i:05d}.mkv   stream-copied chunks (deleted after assembly)
    work/{job_id}/encoded/{i:05d}.mp4  encoded chunks (deleted after assembly)
    output/{job_id}.mp4                the published result, written once

Job ids and keys are checked before they become part of any key, so that no id can escape its prefix.
"""
from __future__ import annotations

import re
import uuid

from .errors import MediaError

_JOB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_KEY_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,254}$")


class InvalidJobRequestError(MediaError):
    """A job id or S3 key that is malformed or tries to leave its prefix."""

    kind = "invalid_request"


def new_job_id() -> str:
    """A fresh job id for a submission that brings none."""
    return f"job-{uuid.uuid4().hex[:12]}"


def check_job_id(job_id: object) -> str:
    if not isinstance(job_id, str) or not _JOB_ID.fullmatch(job_id):
        raise InvalidJobRequestError(
            f"job id {job_id!r} is invalid: use 1-64 letters, digits, '-' or '_', starting with a letter or digit"
        )
    return job_id


def check_input_key(key: object) -> str:
    """An input key is a relative path of plain segments: no '..', no leading '/', no control characters."""
    if not isinstance(key, str) or not key or len(key) > 1024:
        raise InvalidJobRequestError(f"input key {key!r} is invalid")
    segments = key.split("/")
    if any(segment in ("", ".", "..") or not _KEY_SEGMENT.fullmatch(segment) for segment in segments):
        raise InvalidJobRequestError(f"input key {key!r} is invalid: use plain path segments without '..'")
    return key


def input_key(job_id: str, name: str) -> str:
    return f"input/{check_job_id(job_id)}/{name}"


def chunk_key(job_id: str, index: int) -> str:
    return f"work/{check_job_id(job_id)}/chunks/{index:05d}.mkv"


def encoded_key(job_id: str, index: int) -> str:
    return f"work/{check_job_id(job_id)}/encoded/{index:05d}.mp4"


def work_prefix(job_id: str) -> str:
    return f"work/{check_job_id(job_id)}/"


def output_key(job_id: str) -> str:
    return f"output/{check_job_id(job_id)}.mp4"
