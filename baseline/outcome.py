"""What a handler did with its event, returned and logged as one JSON line.

Lambda discards the return value of an asynchronous invocation (unless a destination is configured), so
the log line is what an operator sees; the local harness reads the returned dict.
"""
from __future__ import annotations

import json
import logging

logger = logging.getLogger("baseline")


def outcome(stage: str, job_id: str, what: str, **details: object) -> dict:
    result = {"stage": stage, "job_id": job_id, "outcome": what, **details}
    logger.info(json.dumps(result))
    return result
