"""Fixtures of the static-metrics tests: small implementations with hand-counted figures."""
from __future__ import annotations

from pathlib import Path

import pytest

from metrics.static import StaticConfig, analyze_implementation, static_figures

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def explicit_static() -> dict:
    return static_figures(analyze_implementation("explicit", FIXTURES / "pipeline_explicit", StaticConfig(),
                                                 media_dir=REPO / "media"))


@pytest.fixture(scope="session")
def durable_static() -> dict:
    return static_figures(analyze_implementation("durable", FIXTURES / "pipeline_durable", StaticConfig(),
                                                 media_dir=REPO / "media"))
