"""The annotated source listing of an implementation, in the manner of coverage.py's HTML report: every
line with its number, stage and attribution class, and the findings that start on it."""
from __future__ import annotations

import re
from collections import Counter, defaultdict

from metrics.static.analyzer import FileAnalysis
from metrics.static.implementation import ImplementationAnalysis
from metrics.static.model import LineClass

LINE_CLASS_LABELS = {
    LineClass.MEDIA.value: "media work",
    LineClass.ORCHESTRATION.value: "orchestration",
    LineClass.STATE.value: "state management",
    LineClass.ERROR_HANDLING.value: "error handling",
}
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def anchor(implementation: str, path: str, line: int | None = None) -> str:
    base = _UNSAFE.sub("_", f"src-{implementation}-{path}")
    return f"{base}-L{line}" if line is not None else base


def source_views(analysis: ImplementationAnalysis) -> list[dict]:
    return [_file_view(analysis.name, file) for file in analysis.files]


def _file_view(implementation: str, file: FileAnalysis) -> dict:
    markers = defaultdict(list)
    for finding in file.findings:
        markers[finding.line].append(finding.kind.value.replace("_", " "))
    rows = []
    for number, text in enumerate(file.lines, start=1):
        line_class = file.line_classes[number - 1] if number <= len(file.line_classes) else None
        rows.append({
            "number": number,
            "text": text,
            "line_class": line_class.value if line_class else "none",
            "stage": file.line_stages[number - 1] if number <= len(file.line_stages) else "",
            "markers": markers.get(number, []),
            "anchor": anchor(implementation, file.path, number),
        })
    classes = Counter(c.value for c in file.line_classes if c is not None)
    return {
        "path": file.path,
        "anchor": anchor(implementation, file.path),
        "parse_error": file.parse_error,
        "sloc": file.raw.sloc,
        "classes": {key: classes.get(key, 0) for key in LINE_CLASS_LABELS},
        "rows": rows,
    }


def excerpt(analysis: ImplementationAnalysis, path: str, first: int, last: int, limit: int = 8) -> list[dict]:
    """Lines first..last of a file (at most `limit`), for a finding's code excerpt."""
    file = next((f for f in analysis.files if f.path == path), None)
    if file is None:
        return []
    end = min(last, first + limit - 1, len(file.lines))
    texts = [file.lines[n - 1] for n in range(first, end + 1)]
    indents = [len(t) - len(t.lstrip()) for t in texts if t.strip()]
    cut = min(indents, default=0)
    return [{"number": n, "text": t[cut:]} for n, t in zip(range(first, end + 1), texts)]
