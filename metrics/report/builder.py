"""Builds the report: one dict (report.json) filled by the section builders in order."""
from __future__ import annotations

import platform
from datetime import datetime, timezone

import radon
from lizard_ext.version import version as lizard_version

from .options import ReportOptions
from .paths import shown
from .sections import SECTION_BUILDERS, ReportState, SectionBuilder

SCHEMA_VERSION = 1


def build_report(options: ReportOptions, builders: list[SectionBuilder] | None = None) -> ReportState:
    report = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tools": {"python": platform.python_version(), "radon": radon.__version__, "lizard": lizard_version},
        "options": {
            "implementations": {name: shown(path) for name, path in options.implementations},
            "common": {name: shown(path) for name, path in options.common},
            "excludes": list(options.excludes),
            "static_only": options.static_only,
            "reference": options.reference,
        },
        "implementations": {name: {"path": shown(path)} for name, path in options.implementations},
        "common": {name: {"path": shown(path)} for name, path in options.common},
        "sections": [],
    }
    state = ReportState(options, report)
    for builder in SECTION_BUILDERS if builders is None else builders:
        builder.build(state)
    return state
