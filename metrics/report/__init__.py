"""The comparison report: a dict built by section builders, written as report.json, report.md and a
self-contained report.html."""
from .builder import build_report
from .options import ReportOptions
from .render import write_report
from .sections import SECTION_BUILDERS, ReportState, SectionBuilder
from .terminal import summary_table

__all__ = ["build_report", "ReportOptions", "write_report", "SECTION_BUILDERS", "ReportState", "SectionBuilder",
           "summary_table"]
