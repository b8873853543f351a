"""Report sections. Each builder adds its part to the report dict (what report.json holds) and to the
views (what only the HTML needs, such as source listings). compare.py runs `SECTION_BUILDERS` in order;
each section (static, runtime, recovery, summary, validity) is one builder plus a partial template of its name.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from metrics.static import StaticConfig, analyze_implementation, static_figures
from metrics.static.implementation import ImplementationAnalysis

from .call_site_check import CallSiteSection
from .options import ReportOptions
from .recovery_section import RecoverySection
from .runtime_section import RuntimeSection
from .runtime_summary import runtime_summary
from .source_view import anchor, excerpt, source_views
from .summary import static_summary
from .validity import ValiditySection


@dataclass
class ReportState:
    options: ReportOptions
    report: dict
    views: dict = field(default_factory=dict)
    analyses: dict[str, ImplementationAnalysis] = field(default_factory=dict)


class SectionBuilder(Protocol):
    name: str

    def build(self, state: ReportState) -> None: ...


class StaticSection:
    """implementations.NAME.static and common.NAME.static, and the annotated source of each implementation."""

    name = "static"

    def build(self, state: ReportState) -> None:
        config = StaticConfig(excludes=state.options.excludes)
        media_dir = dict(state.options.common).get(config.media_package)
        for group, pairs in (("implementations", state.options.implementations), ("common", state.options.common)):
            for name, path in pairs:
                analysis = analyze_implementation(name, path, config, media_dir=media_dir)
                static = static_figures(analysis)
                static["root"] = state.report[group][name]["path"]
                state.report[group][name]["static"] = static
                if group == "implementations":
                    state.analyses[name] = analysis
        state.views["source"] = {name: source_views(a) for name, a in state.analyses.items()}
        state.views["findings"] = {
            name: [
                dict(finding, anchor=anchor(name, finding["file"], finding["line"]),
                     excerpt=excerpt(analysis, finding["file"], finding["line"], finding["end_line"]))
                for finding in state.report["implementations"][name]["static"]["findings"]
            ]
            for name, analysis in state.analyses.items()
        }
        state.report["sections"].append(self.name)


class SummarySection:
    """The answers in numbers, each implementation against the reference (the first one): RQ1 from the
    static figures, and RQ2 and RQ4 from the run-time figures when the pipelines ran."""

    name = "summary"

    def build(self, state: ReportState) -> None:
        implementations = state.report["implementations"]
        if all("static" in entry for entry in implementations.values()):
            state.report["summary"] = static_summary(state.options.reference, implementations)
            if "runtime" in state.report:
                state.report["summary"]["runtime"] = runtime_summary(state.options.reference, implementations,
                                                                     state.report["runtime"])
            state.report["sections"].append(self.name)


SECTION_BUILDERS: list[SectionBuilder] = [StaticSection(), RuntimeSection(), RecoverySection(), CallSiteSection(),
                                          SummarySection(), ValiditySection()]
