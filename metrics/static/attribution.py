"""Attribution of source lines: each code line (a line radon counts in SLOC) is media work, orchestration,
state management or error handling.

Detectors mark line ranges with a class and a priority. A statement that calls the media core is media work
(priority 2); a statement with a state I/O call, a serialization call or a DynamoDB request dictionary is
state management (3), and so is a raise statement error handling (3); the regions that exist to handle
errors (except handlers, finally blocks, `try:` lines, exception classes, retry constructs) are error
handling (1). The highest priority covering a line wins; a code line no mark covers is orchestration (the
control flow, invocations, durable operations, configuration and plumbing around the work). Blank lines,
comment lines and docstrings are not code and get no class.
"""
from __future__ import annotations

from .model import LineClass, Mark
from .raw import SLOC


def classify_lines(kinds: list[str], marks: list[Mark]) -> list[LineClass | None]:
    """The class of every line (index 0 is line 1); None for lines that are not code."""
    priority = [-1] * len(kinds)
    classes: list[LineClass | None] = [None] * len(kinds)
    for mark in marks:
        for index in range(max(mark.first, 1) - 1, min(mark.last, len(kinds))):
            if mark.priority > priority[index]:
                priority[index] = mark.priority
                classes[index] = mark.line_class
    return [
        (cls or LineClass.ORCHESTRATION) if kind == SLOC else None
        for kind, cls in zip(kinds, classes)
    ]
