"""moto made atomic per request, as DynamoDB is: conditional writes raced from 8 threads with the GIL
switching every microsecond have exactly one winner and lose no update. Plain ``moto.mock_aws`` loses
them in the same conditions (run in a fresh interpreter, since the atomic patch is process-wide)."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from local_aws import atomic_mock_aws

RACES = Path(__file__).with_name("moto_races.py")
REPO = Path(__file__).resolve().parents[2]
ROUNDS, INCREMENTS = 20, 8


def _races():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("baseline_moto_races", RACES)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_atomic_moto_has_one_winner_per_race_and_loses_no_update() -> None:
    outcome = _races().race_all(atomic_mock_aws, rounds=ROUNDS, increments=INCREMENTS)
    assert outcome == {"put_if_absent_bad_rounds": 0, "versioned_lost_updates": 0, "add_lost_increments": 0}


def test_plain_moto_races_in_the_same_conditions() -> None:
    code = (
        f"import json, moto, runpy; races = runpy.run_path({str(RACES)!r}); "
        f"print(json.dumps(races['race_all'](moto.mock_aws, rounds={ROUNDS}, increments={INCREMENTS})))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    # Lost version-checked updates showed up in every trial run here; double winners in most. ADD
    # counters lose increments only sometimes, so they are reported, not asserted.
    assert outcome["versioned_lost_updates"] > 0, outcome
    print(outcome)
