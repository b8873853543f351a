"""What a Step Functions execution's history shows of a job: transitions (billed), events, state payloads."""
from __future__ import annotations

import json
from typing import Any


def history_facts(events: list[dict]) -> dict[str, Any]:
    """``state_transitions`` (state-entered events: what Standard workflows bill), ``execution_history_events``,
    ``state_payload_bytes`` (input and output of every state event), ``largest_state_payload_bytes`` (the
    largest input, output or task parameters of any event: the 256 KiB quota applies to each), and the
    validate and chunk tasks' results (``video``, ``chunks``) read from the states' outputs."""
    transitions = payload_bytes = largest = 0
    video = chunks = None
    for event in events:
        if event["type"].endswith("StateEntered"):
            transitions += 1
        for key in ("stateEnteredEventDetails", "stateExitedEventDetails"):
            details = event.get(key) or {}
            payload_bytes += len(details.get("input") or "") + len(details.get("output") or "")
        for key, details in event.items():
            if key.endswith("EventDetails") and isinstance(details, dict):
                largest = max([largest] + [len(details[field].encode()) for field in ("input", "output", "parameters")
                                           if isinstance(details.get(field), str)])
        exited = event.get("stateExitedEventDetails") or {}
        if exited.get("name") == "Validate":
            video = json.loads(exited.get("output") or "{}").get("video")
        elif exited.get("name") == "Chunk":
            chunks = json.loads(exited.get("output") or "{}").get("chunks")
    return {"state_transitions": transitions, "execution_history_events": len(events),
            "state_payload_bytes": payload_bytes, "largest_state_payload_bytes": largest,
            "video": video, "chunks": chunks}
