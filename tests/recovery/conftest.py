"""One moto server (in its own process) for the whole recovery suite, and one opened matrix per pipeline:
the matrix input (2 s, 160x120, 30 fps, 0.5 s chunks -> 4 chunks) and its fault-free reference run are
made once, then every test runs its own faulty jobs against them."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from metrics.recovery import RecoveryMatrix, moto_server_process


@pytest.fixture(scope="session")
def recovery_endpoint() -> Iterator[str]:
    with moto_server_process() as endpoint_url:
        yield endpoint_url


@pytest.fixture(scope="session")
def recovery_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("recovery")


def _open(name: str, endpoint: str, directory: Path) -> Iterator[RecoveryMatrix]:
    with RecoveryMatrix(name, endpoint_url=endpoint, work_dir=directory) as matrix:
        yield matrix


@pytest.fixture(scope="session")
def baseline_matrix(recovery_endpoint: str, recovery_dir: Path) -> Iterator[RecoveryMatrix]:
    yield from _open("baseline", recovery_endpoint, recovery_dir)


@pytest.fixture(scope="session")
def durable_matrix(recovery_endpoint: str, recovery_dir: Path) -> Iterator[RecoveryMatrix]:
    yield from _open("durable_ref", recovery_endpoint, recovery_dir)


@pytest.fixture(params=["baseline", "durable_ref"])
def matrix(request: pytest.FixtureRequest) -> RecoveryMatrix:
    return request.getfixturevalue("baseline_matrix" if request.param == "baseline" else "durable_matrix")
