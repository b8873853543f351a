"""Static complexity of a directory of Python code: size (radon raw), cyclomatic complexity (radon, with
lizard's CCN beside it), Halstead volume and maintainability index (radon), cognitive complexity (SonarQube's
rules), error-handling and state-handling findings, stage attribution and line attribution.

    from metrics.static import StaticConfig, analyze_implementation, static_figures
    analysis = analyze_implementation("baseline", "baseline", StaticConfig())
    figures = static_figures(analysis)   # the dict report.json holds as implementations.baseline.static
"""
from .analyzer import FileAnalysis, analyze_source
from .config import DEFAULT_EXCLUDES, STAGES, StaticConfig
from .figures import static_figures
from .implementation import ImplementationAnalysis, ImplementationNotFoundError, analyze_implementation
from .model import Finding, FindingKind, FunctionMetrics, LineClass

__all__ = [
    "DEFAULT_EXCLUDES", "STAGES", "StaticConfig", "FileAnalysis", "analyze_source", "static_figures",
    "ImplementationAnalysis", "ImplementationNotFoundError", "analyze_implementation", "Finding",
    "FindingKind", "FunctionMetrics", "LineClass",
]
